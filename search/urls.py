from __future__ import annotations

from django.urls import path

from search import views

app_name = "search"

urlpatterns = [
    path("", views.search_page, name="search"),
    path("article/<int:article_id>/", views.article_page, name="article"),
]
