from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from learnpaths.forms import ChangePasswordForm, NewPasswordForm, ResetRequestForm, SignInForm
from learnpaths.views import accounts, catalogue, learner, notes, paths, start
from resources import views as catalogue_views

# Outside the language prefix: machines' URLs, and the admin, which follows the curator's
# language cookie (set by the switch on every page) or Accept-Language.
urlpatterns = [
    # Browsers ask for /favicon.ico on pages without a favicon link (the admin's): no 404 in the
    # log. Lazy: the static file's hashed name is known only once the app has started.
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy(static, str)("img/favicon.svg")),
        name="favicon",
    ),
    path("healthz", catalogue_views.healthz, name="healthz"),
    # The language switch is a plain form on every page, and anonymous pages are cached whole,
    # so it cannot carry a visitor's CSRF token; forging it changes only the display language.
    path("i18n/setlang/", accounts.switch_language, name="set_language"),
    path("admin/", admin.site.urls),
]

# Every page under /en/ or /zh-hans/: a shared link opens in the language it was shared in; an
# unprefixed URL redirects to the visitor's language.
urlpatterns += i18n_patterns(
    path("", catalogue.home, name="home"),
    path("start/", start.start, name="start"),
    path("concepts/", catalogue_views.concept_list, name="concept-list"),
    # Before concepts/<slug>/, which would otherwise take "map" for a slug.
    path("concepts/map/", catalogue.concept_map, name="concept-map"),
    path("concepts/<slug:slug>/", catalogue.concept_detail, name="concept-detail"),
    path(
        "concepts/<slug:slug>/deadlines.ics",
        catalogue_views.concept_calendar,
        name="concept-calendar",
    ),
    path("conferences/", catalogue_views.conference_list, name="conference-list"),
    path("conferences/past/", catalogue_views.conference_past, name="conference-past"),
    path("conferences.ics", catalogue_views.conference_calendars, name="conference-calendars"),
    path("conferences/areas/<str:area>.ics", catalogue_views.area_calendar, name="area-calendar"),
    path("deadlines/<int:pk>.ics", catalogue_views.deadline_ics, name="deadline-ics"),
    # Matched by the rule above in no order: a slug holds no "/".
    path("concepts/<slug:slug>/feed.atom", catalogue_views.concept_feed, name="concept-feed"),
    # Atom feeds, one per language like every page: a reader shows a feed's entries in the
    # language it was subscribed in.
    path("feeds/resources.atom", catalogue_views.resource_feed, name="resource-feed"),
    path("feeds/paths.atom", paths.path_feed, name="path-feed"),
    path("resources/", catalogue_views.resource_list, name="resource-list"),
    path("resources/<slug:slug>/", catalogue.resource_detail, name="resource-detail"),
    path("resources/<slug:slug>/progress/", paths.progress_update, name="resource-progress"),
    path("resources/<slug:slug>/note/", notes.note_edit, name="resource-note"),
    path(
        "resources/<slug:slug>/deadlines.ics",
        catalogue_views.conference_calendar,
        name="conference-calendar",
    ),
    path("resources/<slug:slug>/bibtex/", catalogue_views.resource_bibtex, name="resource-bibtex"),
    path("tags/<str:slug>/", catalogue_views.tag_detail, name="tag-detail"),
    path("search/", catalogue.search, name="search"),
    path("paths/", paths.path_list, name="path-list"),
    path("paths/<slug:slug>/", paths.path_detail, name="path-detail"),
    path("paths/<slug:slug>/follow/", paths.path_follow, name="path-follow"),
    path("paths/<slug:slug>/pace/", paths.path_pace, name="path-pace"),
    path("paths/<slug:slug>/bibtex/", paths.path_bibtex, name="path-bibtex"),
    path(
        "paths/<slug:slug>/stages/<int:position>/bibtex/",
        paths.stage_bibtex,
        name="stage-bibtex",
    ),
    path("me/", learner.dashboard_view, name="dashboard"),
    path("me/time-zone/", learner.time_zone_view, name="time-zone"),
    path("me/notes/", notes.notes_view, name="notes"),
    path("me/export.csv", learner.export_csv, name="export-csv"),
    path("me/export.json", learner.export_json, name="export-json"),
    path("me/import/", learner.data_import, name="data-import"),
    path("me/share/", learner.share_settings, name="share-settings"),
    # A learner's progress, shared by them; the token is checked by the view (any other text
    # than a share token is a 404 without a query).
    path("u/<str:token>/", learner.shared_progress, name="shared-progress"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    # Django's views with our forms: errors under the field they concern, focus on the first.
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(form_class=ChangePasswordForm),
        name="password_change",
    ),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=ResetRequestForm),
        name="password_reset",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=NewPasswordForm),
        name="password_reset_confirm",
    ),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/delete/", accounts.account_delete, name="account-delete"),
    path("accounts/", include("django.contrib.auth.urls")),
)
