"""Site pages: landing page, health, theme stylesheet."""

from django.http import HttpResponse


def landing(request):
    return HttpResponse("PATT")


def health(request):
    return HttpResponse("ok")


def theme_css(request):
    return HttpResponse("", content_type="text/css")
