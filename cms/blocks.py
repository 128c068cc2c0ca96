"""The StreamField blocks every content page shares (bakerydemo style: one StreamBlock, reused)."""

from __future__ import annotations

from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120)
    size = blocks.ChoiceBlock(choices=[("h2", "Section heading"), ("h3", "Sub-heading")], default="h2")

    class Meta:
        icon = "title"
        template = "blocks/heading_block.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(
        required=False, max_length=200, help_text="Describe the image for people who cannot see it."
    )
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "image"
        template = "blocks/image_block.html"


class CallToActionBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120)
    text = blocks.TextBlock(required=False)
    button_label = blocks.CharBlock(max_length=40, default="Book a scan")
    page = blocks.PageChooserBlock(required=False, help_text="Link to a page of this site ...")
    url = blocks.URLBlock(required=False, help_text="... or to an address. Empty both: the booking page.")

    class Meta:
        icon = "pick"
        template = "blocks/call_to_action_block.html"


class QuestionBlock(blocks.StructBlock):
    question = blocks.CharBlock(max_length=200)
    answer = blocks.RichTextBlock(features=["bold", "italic", "link", "ul", "ol"])


class FAQBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120, default="Frequently asked questions", required=False)
    questions = blocks.ListBlock(QuestionBlock(), min_num=1)

    class Meta:
        icon = "help"
        template = "blocks/faq_block.html"


class TableBlock(blocks.StructBlock):
    caption = blocks.CharBlock(max_length=200, help_text="Says what the table shows (read out by screen readers).")
    columns = blocks.ListBlock(blocks.CharBlock(max_length=80), min_num=1, label="Column headings")
    rows = blocks.ListBlock(
        blocks.ListBlock(blocks.CharBlock(max_length=200, required=False), label="Cells"),
        label="Rows",
        help_text="The first cell of each row is its heading.",
    )

    class Meta:
        icon = "table"
        template = "blocks/table_block.html"


class BodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        icon="pilcrow", features=["h2", "h3", "bold", "italic", "link", "ol", "ul", "hr"],
        template="blocks/paragraph_block.html",
    )
    image = ImageBlock()
    call_to_action = CallToActionBlock()
    faq = FAQBlock()
    table = TableBlock()

    class Meta:
        block_counts = {}
