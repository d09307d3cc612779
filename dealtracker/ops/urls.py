"""Admin-only operations pages, mounted under /admin/restore/ by dealtracker/urls.py."""

from django.urls import path

from . import views

app_name = "ops"

urlpatterns = [
    path("claims/", views.deleted_claim_list, name="deleted-claims"),
    path("claims/<int:pk>/", views.claim_restore_view, name="claim-restore"),
    path("sources/", views.deleted_source_list, name="deleted-sources"),
    path("sources/<int:pk>/", views.source_restore_view, name="source-restore"),
    path("import/", views.archive_import_view, name="archive-import"),
]
