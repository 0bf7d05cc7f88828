from django.shortcuts import render


def bad_request(request, exception=None):
    # E.g. a form whose upload arrived broken (a multipart body without its boundary).
    return render(request, "errors/400.html", status=400)


def forbidden(request, exception=None):
    message = str(exception) if exception and str(exception) else "您无权进行此操作。"
    return render(request, "errors/403.html", {"message": message}, status=403)


def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)
