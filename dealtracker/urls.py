from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dealtracker.desk.views.site import favicon, healthz

admin.site.site_header = "dealtracker administration"
admin.site.site_title = "dealtracker admin"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Admin-only: deleted claims and sources, restorable from history (dealtracker/ops).
    path("admin/restore/", include("dealtracker.ops.urls")),
    path("admin/", admin.site.urls),
    # The read API and its OpenAPI schema (dealtracker/api).
    path("api/v1/", include("dealtracker.api.urls")),
    path("", include("dealtracker.desk.urls")),
]

handler400 = "dealtracker.desk.views.site.bad_request"
handler403 = "dealtracker.desk.views.site.permission_denied"
handler404 = "dealtracker.desk.views.site.page_not_found"
handler500 = "dealtracker.desk.views.site.server_error"
