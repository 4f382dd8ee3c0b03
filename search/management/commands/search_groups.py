from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db.models import Q

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
        # Pending index updates are looked at, never edited or deleted: a deleted one is a change search never gets.
        curator.permissions.set(perms.filter(~Q(content_type__model="indexoutbox") | Q(codename="view_indexoutbox")))
        self.stdout.write(f"Groups ready: {VIEWER} ({viewer.permissions.count()} permissions), {CURATOR} ({curator.permissions.count()}).")
