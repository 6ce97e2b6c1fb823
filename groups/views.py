"""Placeholder views: the public directory issue replaces these with the real pages."""

from django.shortcuts import get_object_or_404, redirect, render

from groups.models import GroupType, Organization, Region, SupportGroup


def home(request):
    return render(request, "home.html")


def group_list(request):
    groups = SupportGroup.objects.published().select_related("region")
    return render(request, "groups/list.html", {"groups": groups})


def group_detail(request, slug):
    group = get_object_or_404(SupportGroup.objects.published(), slug=slug)
    return render(request, "groups/detail.html", {"group": group})


def region(request, slug):
    region = get_object_or_404(Region, slug=slug)
    return redirect(f"/groups/?region={region.slug}")


def group_type(request, slug):
    group_type = get_object_or_404(GroupType, slug=slug)
    return redirect(f"/groups/?type={group_type.slug}")


def organization(request, slug):
    org = get_object_or_404(Organization, slug=slug)
    return render(request, "groups/organization.html", {"organization": org})
