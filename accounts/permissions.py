"""Who may work on a listing: the one place organizer views ask."""

from django.http import Http404

from groups.models import SupportGroup

MODERATOR_PERMISSION = "groups.change_supportgroup"


def is_moderator(user):
    return user.is_authenticated and user.has_perm(MODERATOR_PERMISSION)


def get_group_for_owner(request, slug, allow_moderators=False, queryset=None):
    """The listing `slug` if the logged-in user owns it (or moderates, when allowed), else 404.

    A 404 rather than 403 so nobody learns which unpublished listings exist.
    """
    queryset = queryset if queryset is not None else SupportGroup.objects.all()
    user = request.user
    if not user.is_authenticated:
        raise Http404
    # Owners first: the common case costs one query and no permission lookups.
    group = queryset.filter(slug=slug, ownerships__user=user).first()
    if group is None and allow_moderators and is_moderator(user):
        group = queryset.filter(slug=slug).first()
    if group is None:
        raise Http404
    return group


def is_owner(user, group):
    return user.is_authenticated and group.ownerships.filter(user=user).exists()
