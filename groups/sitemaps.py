"""sitemap.xml: listings, landing pages and host pages, on the public SITE_URL (not the Site row)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, OuterRef
from django.urls import reverse

from groups.models import GroupType, Organization, Region, SupportGroup


class SiteURLSitemap(Sitemap):
    limit = 5000

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme or "https"


class PageSitemap(SiteURLSitemap):
    """The pages people arrive at first: home, the directory, crisis help."""

    changefreq = "daily"

    def items(self):
        return ["groups:home", "groups:list", "crisis"]

    def location(self, name):
        return reverse(name)


class GroupSitemap(SiteURLSitemap):
    changefreq = "weekly"

    def items(self):
        return SupportGroup.objects.published().order_by("pk").only("slug", "updated_at")

    def lastmod(self, group):
        return group.updated_at


def _with_published(queryset, field):
    published = SupportGroup.objects.published().filter(**{field: OuterRef("pk")})
    return queryset.filter(Exists(published)).order_by("pk").only("slug")


class RegionSitemap(SiteURLSitemap):
    def items(self):
        # Every region: a region page lists groups in its sub-regions too.
        return Region.objects.order_by("pk").only("slug")


class TypeSitemap(SiteURLSitemap):
    def items(self):
        return _with_published(GroupType.objects.all(), "types")


class OrganizationSitemap(SiteURLSitemap):
    def items(self):
        return _with_published(Organization.objects.all(), "host")


SITEMAPS = {
    "pages": PageSitemap,
    "groups": GroupSitemap,
    "regions": RegionSitemap,
    "types": TypeSitemap,
    "organizations": OrganizationSitemap,
}
