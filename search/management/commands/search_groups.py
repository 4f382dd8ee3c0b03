from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

VIEWER = "viewer"
CURATOR = "curator"
MODELS = ["source", "person", "alias", "article", "paragraph", "mention", "boilerplaterule", "indexoutbox"]


class Command(BaseCommand):
    help = "Create (or refresh) the admin groups: 'viewer' can look, 'curator' can curate."

    def handle(self, *args: object, **options: object) -> None:
        perms = Permission.objects.filter(content_type__app_label="search", content_type__model__in=MODELS)
        viewer, _ = Group.objects.get_or_create(name=VIEWER)
        viewer.permissions.set(perms.filter(codename__startswith="view_"))
        curator, _ = Group.objects.get_or_create(name=CURATOR)
        curator.permissions.set(perms.exclude(content_type__model="indexoutbox", codename__in=["add_indexoutbox", "change_indexoutbox"]))
        self.stdout.write(f"Groups ready: {VIEWER} ({viewer.permissions.count()} permissions), {CURATOR} ({curator.permissions.count()}).")
