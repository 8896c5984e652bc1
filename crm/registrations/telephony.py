"""The CRM's registrations: telephony. The caller's pop-up card script rides on the top bar of every page of a
signed-in person (a top-bar widget whose template is only the script), so that a ringing call reaches any page."""


def register() -> None:
    from portal.core.registry import TopbarWidget, registry

    registry.topbar_widgets.register(
        TopbarWidget("crm.call_card", "crm/telephony/partials/topbar.html", order=200)
    )
