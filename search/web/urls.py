from __future__ import annotations

from django.urls import path, re_path

from search.web import views

app_name = "search"

urlpatterns = [
    path("", views.search_page, name="search"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.json", views.export_json, name="export_json"),
    re_path(r"^export/(?P<table>with|coverage)\.(?P<fmt>csv|json)$", views.export_table, name="export_table"),
    path("feed.atom", views.feed, name="feed"),
    path("feeds/<str:token>.atom", views.saved_feed, name="saved_feed"),
    path("saved/", views.saved_searches, name="saved"),
    path("saved/new/", views.save_search, name="save_search"),
    path("saved/<int:saved_id>/", views.open_saved, name="open_saved"),
    path("saved/<int:saved_id>/delete/", views.delete_saved, name="delete_saved"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:job_id>/", views.batch_job, name="batch"),
    re_path(r"^batches/(?P<job_id>[0-9]+)/(?P<table>table|paragraphs)\.(?P<fmt>csv|json)$", views.batch_download, name="batch_download"),
    path("batches/<int:job_id>/delete/", views.delete_batch, name="delete_batch"),
    path("facets/person/", views.person_facet_page, name="person_facet"),
    path("person/<slug:slug>/", views.person_page, name="person"),
    path("compare/", views.compare_page, name="compare"),
    path("article/<int:article_id>/", views.article_page, name="article"),
    path("article/<int:article_id>/matches/", views.article_matches, name="article_matches"),
    path("paragraph/<int:paragraph_id>/context/", views.paragraph_context, name="paragraph_context"),
    path("paragraph/<int:paragraph_id>/copies/", views.copies_page, name="copies"),
    re_path(r"^paragraph/(?P<paragraph_id>[0-9]+)/copies\.(?P<fmt>csv|json)$", views.copies_export, name="copies_export"),
]
