from carts.assist import assisting


def assist(request):
    """`assisting`: the assist this request runs under (the banner on every page), or None. No
    query unless the session says a member of staff is assisting someone."""
    return {"assisting": assisting(request)}
