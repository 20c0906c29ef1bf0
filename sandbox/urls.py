from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # oscar_loyalty's two app configs are mounted like any Oscar plugin: the 3-tuple goes
    # straight to path(), never through include().
    path("loyalty/", apps.get_app_config("oscar_loyalty").urls),
    path("dashboard/loyalty/", apps.get_app_config("oscar_loyalty_dashboard").urls),
    path("", include(apps.get_app_config("oscar").urls[0])),
]
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
