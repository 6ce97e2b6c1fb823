from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def support_group_role(context, owner_ids):
    """'owner' for the listing's organizers, 'unowned' when nobody manages it, else ''.

    `owner_ids`: the ids of the listing's owners, which the listing page has already read.
    """
    user = context.get("user")
    if user is not None and user.is_authenticated and user.pk in owner_ids:
        return "owner"
    return "" if owner_ids else "unowned"
