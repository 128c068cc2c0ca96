"""Issue 18: one money format on the public site and in the portal."""

from decimal import Decimal

from django.template import Context, Template

from portal.core.money import format_money


def test_an_amount_is_shown_with_the_currency_code_rounded_half_up_to_cents(settings):
    settings.CURRENCY = "USD"
    assert format_money(Decimal("1234.5")) == "USD 1,234.50"
    assert format_money(Decimal("0.005")) == "USD 0.01"
    assert format_money(Decimal("-5.005")) == "-USD 5.01"
    assert format_money(None) == "" and format_money("") == ""


def test_the_public_site_and_the_portal_filters_render_the_same_text(settings):
    settings.CURRENCY = "USD"
    public = Template("{% load cms_tags %}{% money value %}").render(Context({"value": Decimal("420")}))
    booking = Template("{% load booking_tags %}{{ value|money }}").render(Context({"value": Decimal("420")}))
    desk = Template("{% load payments_tags %}{{ value|amount }}").render(Context({"value": Decimal("420")}))
    assert public == booking == desk == "USD 420.00"
    assert "US$" not in public


def test_the_currency_setting_changes_every_side_at_once(settings):
    settings.CURRENCY = "ZWG"
    public = Template("{% load cms_tags %}{% money value %}").render(Context({"value": 7}))
    booking = Template("{% load booking_tags %}{{ value|money }}").render(Context({"value": 7}))
    assert public == booking == "ZWG 7.00"
