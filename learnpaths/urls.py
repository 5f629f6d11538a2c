from django.contrib import admin
from django.urls import path

from learnpaths import views as path_views
from resources import views as catalogue_views

urlpatterns = [
    path("", catalogue_views.home, name="home"),
    path("healthz", catalogue_views.healthz, name="healthz"),
    path("concepts/", catalogue_views.concept_list, name="concept-list"),
    path("concepts/<slug:slug>/", catalogue_views.concept_detail, name="concept-detail"),
    path("resources/", catalogue_views.resource_list, name="resource-list"),
    path("resources/<slug:slug>/", catalogue_views.resource_detail, name="resource-detail"),
    path("tags/<slug:slug>/", catalogue_views.tag_detail, name="tag-detail"),
    path("search/", catalogue_views.search, name="search"),
    path("paths/", path_views.path_list, name="path-list"),
    path("paths/<slug:slug>/", path_views.path_detail, name="path-detail"),
    path("admin/", admin.site.urls),
]
