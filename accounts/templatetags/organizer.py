from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def listing_role(context, group):
    """'owner' for the listing's organizers, 'unowned' when nobody manages it, else ''.

    Reads group.ownerships.all(): no query when the page prefetched them, else one.
    """
    owner_ids = {ownership.user_id for ownership in group.ownerships.all()}
    user = context.get("user")
    if user is not None and user.is_authenticated and user.pk in owner_ids:
        return "owner"
    return "" if owner_ids else "unowned"
