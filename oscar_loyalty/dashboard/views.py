from django.views.generic import TemplateView


class IndexView(TemplateView):
    """Landing page of the loyalty dashboard."""

    template_name = "oscar_loyalty/dashboard/index.html"
