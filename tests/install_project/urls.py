from django.apps import apps
from django.urls import include, path

urlpatterns = [
    # Install step: mount our two app configs next to Oscar's.
    path("loyalty/", apps.get_app_config("oscar_loyalty").urls),
    path("dashboard/loyalty/", apps.get_app_config("oscar_loyalty_dashboard").urls),
    path("", include(apps.get_app_config("oscar").urls[0])),
]
