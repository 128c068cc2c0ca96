"""Family (proxy) access: add a dependant, switch the portal to them, end a link."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from portal.accounts import proxy
from portal.accounts.forms import DependantForm
from portal.accounts.permissions import can


def family(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not can(user, "accounts.add_dependant") and not proxy.guardians_of(user=user):
        raise PermissionDenied
    form = DependantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            link = proxy.dependant_add(guardian=user, first_name=data["first_name"], last_name=data["last_name"],
                                       date_of_birth=data["date_of_birth"], relationship=data["relationship"],
                                       consent=data["consent"], sex=data.get("sex", ""))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"{link.dependant.get_full_name()} is added. Choose them in the header to "
                                      "book, read reports or pay for them.")
            return redirect("accounts:family")
    return render(request, "accounts/family.html", {
        "form": form, "links": proxy.links_of(user=user), "guardians": proxy.guardians_of(user=user),
        "open_ids": {link.pk for link in proxy.dependants_for(user=user)},
        "can_add": can(user, "accounts.add_dependant"),
    }, status=400 if form.errors else 200)


@require_POST
def family_switch(request: HttpRequest) -> HttpResponse:
    """Switch the patient pages to a dependant ("acting for"), or back to "me"."""
    target = request.POST.get("acting_for") or ""
    if target in ("", "me"):
        request.session.pop(proxy.SESSION_KEY, None)
        messages.info(request, "You are looking at your own records.")
    else:
        try:
            link = proxy.acting_link(guardian=request.user, dependant_id=int(target))
        except ValueError:
            raise Http404("No such dependant.") from None
        request.session[proxy.SESSION_KEY] = link.dependant_id
        messages.info(request, f"You are acting for {link.dependant.get_full_name()}.")
    next_url = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if re.search(r"/\d+(/|$)", next_url.split("?", 1)[0]):
        next_url = ""  # a page of one record (an appointment, a report) belongs to the person switched away from
    return redirect(next_url or "accounts:dashboard")


@require_POST
def family_end(request: HttpRequest, pk: int) -> HttpResponse:
    link = proxy.link_get_for(user=request.user, pk=pk)
    proxy.proxy_end(link=link, by=request.user, reason=request.POST.get("reason", ""))
    if request.session.get(proxy.SESSION_KEY) == link.dependant_id:
        request.session.pop(proxy.SESSION_KEY, None)
    messages.success(request, "Access ended. It is kept in the history.")
    return redirect("accounts:family")
