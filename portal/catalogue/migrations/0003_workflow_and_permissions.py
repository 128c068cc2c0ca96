"""Who edits the catalogue in the Wagtail admin, and the workflow a scan-type change goes through.

- Marketing editors may add and change scan types but not publish them: their edit is submitted to
  the "Catalogue changes" workflow, and a Manager approves (publishes) or rejects it.
- Managers may also publish and delete. Both roles edit medical-aid schemes, plans and cover rules.
"""

from django.db import migrations

WORKFLOW_NAME = "Catalogue changes"
TASK_NAME = "Manager approval"

SCAN_TYPE_EDITOR = ["add_scantype", "change_scantype", "view_scantype", "lock_scantype", "unlock_scantype"]
SCAN_TYPE_MANAGER = [*SCAN_TYPE_EDITOR, "delete_scantype", "publish_scantype"]
SCHEMES = [
    f"{action}_{model}"
    for model in ("medicalaidscheme", "plan")
    for action in ("add", "change", "delete", "view")
]


def _ensure_snippet_permissions(apps):
    """Wagtail creates publish/lock/unlock permissions after migrate; make them now so we can grant them."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label="catalogue", model="scantype")
    for action in ("publish", "lock", "unlock"):
        Permission.objects.get_or_create(
            content_type=content_type, codename=f"{action}_scantype", defaults={"name": f"Can {action} scan type"}
        )


def grant_permissions(apps, schema_editor):
    from portal.accounts.grants import grant

    _ensure_snippet_permissions(apps)
    grant(apps, "Marketing editor", [f"catalogue.{c}" for c in SCAN_TYPE_EDITOR + SCHEMES])
    grant(apps, "Manager", [f"catalogue.{c}" for c in SCAN_TYPE_MANAGER + SCHEMES])


def revoke_permissions(apps, schema_editor):
    from portal.accounts.grants import revoke

    revoke(apps, "Marketing editor", [f"catalogue.{c}" for c in SCAN_TYPE_EDITOR + SCHEMES])
    revoke(apps, "Manager", [f"catalogue.{c}" for c in SCAN_TYPE_MANAGER + SCHEMES])


def create_workflow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")

    scan_type_ct, _ = ContentType.objects.get_or_create(app_label="catalogue", model="scantype")
    task_ct, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    managers, _ = Group.objects.get_or_create(name="Manager")

    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME, content_type=task_ct, active=True)
    task.groups.add(managers)
    WorkflowTask.objects.get_or_create(workflow=workflow, task_id=task.pk, defaults={"sort_order": 0})
    WorkflowContentType.objects.update_or_create(content_type=scan_type_ct, defaults={"workflow": workflow})


def remove_workflow(apps, schema_editor):
    Workflow = apps.get_model("wagtailcore", "Workflow")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    Workflow.objects.filter(name=WORKFLOW_NAME).delete()
    GroupApprovalTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0002_validation_messages"),
        ("accounts", "0002_roles"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.RunPython(grant_permissions, revoke_permissions),
        migrations.RunPython(create_workflow, remove_workflow),
    ]
