from django import template

from groups.models import Ownership

register = template.Library()


@register.simple_tag(takes_context=True)
def listing_role(context, group):
    """'owner' for the listing's organizers, 'unowned' when nobody manages it, else ''.

    One query: the owners' ids (a listing has a handful at most).
    """
    owner_ids = set(Ownership.objects.filter(group=group).values_list("user_id", flat=True))
    user = context.get("user")
    if user is not None and user.is_authenticated and user.pk in owner_ids:
        return "owner"
    return "" if owner_ids else "unowned"
