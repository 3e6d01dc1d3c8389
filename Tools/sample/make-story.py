import json, uuid
NS = uuid.UUID("6f1d3c2a-8b7e-4d5f-9a0c-1e2b3c4d5e6f")
events = []
def ev(type, at, data=None, customer=None, case=None, source=None, meta=None):
    e = {"id": str(uuid.uuid5(NS, "story-%03d" % (len(events) + 1))), "type": type}
    if customer: e["customerId"] = customer
    if case: e["caseId"] = case
    e["occurredAt"] = at
    if source: e["source"] = source
    e["data"] = data or {}
    if meta: e["metadata"] = meta
    events.append(e)

# --- Response-time promises per segment, and per channel where the phone line promises more.
for seg, fr, res in [("standard", 480, 120), ("priority", 120, 72), ("vip", 30, 24), ("strategic", 15, 12)]:
    ev("sla.policy_set", "2026-03-01T08:00:00Z", {"segment": seg, "firstResponseMinutes": fr, "resolutionHours": res}, source="crm")
ev("sla.policy_set", "2026-03-01T08:00:00Z", {"segment": "vip", "channel": "phone", "firstResponseMinutes": 15, "resolutionHours": 24}, source="crm")
ev("sla.policy_set", "2026-03-01T08:00:00Z", {"segment": "priority", "channel": "email", "firstResponseMinutes": 240, "resolutionHours": 72}, source="crm")
ev("sla.policy_set", "2026-03-01T08:00:00Z", {"segment": "standard", "channel": "social", "firstResponseMinutes": 60, "resolutionHours": 72}, source="crm")

# --- Customers (segmentation)
A, R, J, N, P = "acme-logistics", "corner-books", "jane-rivera", "nordic-foods", "pat-lee"
ev("customer.profiled", "2026-03-01T09:00:00Z", {"name": "Acme Logistics", "segment": "vip", "organizationId": "org-acme"}, customer=A, source="crm")
ev("customer.profiled", "2026-03-01T09:00:00Z", {"name": "Corner Books (retailer)", "segment": "standard", "organizationId": "org-corner-books"}, customer=R, source="crm")
ev("customer.profiled", "2026-03-01T09:00:00Z", {"name": "Jane Rivera", "segment": "standard"}, customer=J, source="crm")
ev("customer.profiled", "2026-03-01T09:00:00Z", {"name": "Nordic Foods", "segment": "priority", "organizationId": "org-nordic"}, customer=N, source="crm")
ev("customer.profiled", "2026-03-01T09:00:00Z", {"name": "Pat Lee", "segment": "standard"}, customer=P, source="crm")
ev("customer.influence_observed", "2026-03-01T10:00:00Z", {"channel": "blog", "handle": "kitchen-truths.example", "followers": 182000}, customer=J, source="social-listening")
ev("customer.influence_observed", "2026-03-01T10:00:00Z", {"channel": "social", "handle": "@janecooks", "followers": 45000}, customer=J, source="social-listening")
ev("customer.influence_observed", "2026-03-01T10:00:00Z", {"channel": "social", "handle": "@acmelogistics", "followers": 8200}, customer=A, source="social-listening")

# --- Nordic Foods: first delivery incident, opened and closed within days.
ND1, ND2, NB1, NB2 = "case-nordic-delivery-1", "case-nordic-delivery-2", "case-nordic-billing-1", "case-nordic-billing-2"
ev("case.opened", "2026-03-02T07:40:00Z", {"category": "delivery", "channel": "email", "severity": 2, "summary": "Chilled pallet delivered warm to the Oslo depot", "product": "cold-chain"}, customer=N, case=ND1, source="email")
ev("interaction.recorded", "2026-03-02T09:10:00Z", {"channel": "email", "direction": "outbound", "summary": "Acknowledged; carrier logs requested", "agent": "l.berg"}, customer=N, case=ND1, source="email")
ev("case.assigned", "2026-03-02T09:15:00Z", {"owner": "l.berg", "team": "logistics-care"}, customer=N, case=ND1, source="crm")
ev("case.closed", "2026-03-06T15:00:00Z", {"reason": "resolved"}, customer=N, case=ND1, source="crm")
ev("case.satisfaction_rated", "2026-03-07T10:00:00Z", {"score": 4, "comment": "Quick credit, thanks"}, customer=N, case=ND1, source="survey")

# --- Acme Logistics: the VIP escalation (engagement, escalation, response planning, get-well plan).
AC = "case-acme-scanners"
ev("case.opened", "2026-03-09T06:05:00Z", {"category": "outage", "channel": "phone", "severity": 1, "summary": "All warehouse scanners offline after the firmware push", "product": "scan-fleet"}, customer=A, case=AC, source="contact-centre")
ev("interaction.recorded", "2026-03-09T06:14:00Z", {"channel": "phone", "direction": "outbound", "public": False, "summary": "Called the site lead back; rollback under way", "agent": "m.okafor", "sentiment": -0.6}, customer=A, case=AC, source="contact-centre")
ev("case.assigned", "2026-03-09T06:20:00Z", {"owner": "m.okafor", "team": "enterprise-care"}, customer=A, case=AC, source="crm")
ev("case.escalated", "2026-03-09T07:00:00Z", {"level": 1, "reason": "Rollback failed on two sites", "kind": "functional", "to": "network-engineering"}, customer=A, case=AC, source="crm")
ev("interaction.recorded", "2026-03-09T09:30:00Z", {"channel": "email", "direction": "inbound", "summary": "COO: shipments stopped at three depots; expects a call from leadership", "sentiment": -0.9}, customer=A, case=AC, source="email")
ev("case.escalated", "2026-03-09T10:00:00Z", {"level": 3, "reason": "Revenue impact at a VIP account; COO asked for leadership", "kind": "hierarchical", "to": "VP Customer Operations"}, customer=A, case=AC, source="crm", meta={"actor": "d.chen"})
ev("case.situation_summarized", "2026-03-09T16:00:00Z", {"summary": "Firmware 4.2 pushed fleet-wide without the staged rollout; scanners lost their certificates and could not rejoin the network.", "contributingFactors": ["staged rollout skipped", "no certificate check in the release gate"], "customerOwnedFactors": ["site Wi-Fi allow-list not updated since 2024"], "rootCause": "certificate chain missing from firmware 4.2 image"}, customer=A, case=AC, source="crm")
ev("case.meeting_held", "2026-03-10T08:00:00Z", {"kind": "rehearsal", "attendees": ["m.okafor", "d.chen", "network-engineering lead", "account manager"], "seniorManagement": True, "outcome": "Agenda and situation summary walked through; phrasing on customer-owned factors softened"}, customer=A, case=AC, source="crm")
ev("case.meeting_held", "2026-03-10T14:00:00Z", {"kind": "customer", "attendees": ["Acme COO", "Acme IT director", "VP Customer Operations", "m.okafor"], "seniorManagement": True, "outcome": "Customer accepted the root cause; get-well plan agreed in principle"}, customer=A, case=AC, source="crm")
ev("case.plan_agreed", "2026-03-10T17:00:00Z", {"successCriteria": [
    {"id": "scanners-restored", "text": "All scanners back online at every depot"},
    {"id": "staged-rollouts", "text": "Staged rollout with canary depots for every firmware release"},
    {"id": "service-credit", "text": "30 days of service credit applied to the March invoice"},
    {"id": "weekly-review", "text": "Weekly review call for four weeks"}],
    "targetDate": "2026-04-10", "remedy": {"kind": "service_credit", "days": 30, "amount": 12000}}, customer=A, case=AC, source="crm")
ev("case.criterion_met", "2026-03-11T12:00:00Z", {"criterionId": "scanners-restored"}, customer=A, case=AC, source="crm")
ev("interaction.recorded", "2026-03-11T12:30:00Z", {"channel": "email", "direction": "outbound", "summary": "Confirmed all depots scanning again", "agent": "m.okafor", "sentiment": 0.2}, customer=A, case=AC, source="email")
ev("case.deescalated", "2026-03-12T09:00:00Z", {"level": 2, "justification": "Service restored; plan in execution"}, customer=A, case=AC, source="crm")
ev("case.criterion_met", "2026-03-18T12:00:00Z", {"criterionId": "staged-rollouts"}, customer=A, case=AC, source="crm")
ev("case.resolution_proposed", "2026-03-20T10:00:00Z", {"resolution": "Service restored, staged rollouts in place; credit and reviews scheduled", "rootCause": "certificate chain missing from firmware 4.2 image"}, customer=A, case=AC, source="crm")
ev("case.closeout_disputed", "2026-03-21T08:30:00Z", {"reason": "The March invoice arrived without the service credit, and only one review call has happened", "unmetCriteria": ["service-credit", "weekly-review"]}, customer=A, case=AC, source="email")
ev("interaction.recorded", "2026-03-21T09:00:00Z", {"channel": "email", "direction": "inbound", "summary": "IT director: 'we were told this was handled'", "sentiment": -0.7}, customer=A, case=AC, source="email")
ev("interaction.recorded", "2026-03-21T10:00:00Z", {"channel": "phone", "direction": "outbound", "summary": "Apologised; corrected invoice promised within 48 hours", "agent": "m.okafor"}, customer=A, case=AC, source="contact-centre")
ev("case.criterion_met", "2026-03-23T11:00:00Z", {"criterionId": "service-credit"}, customer=A, case=AC, source="billing")
ev("case.criterion_met", "2026-04-06T16:00:00Z", {"criterionId": "weekly-review"}, customer=A, case=AC, source="crm")
ev("case.resolution_proposed", "2026-04-07T09:00:00Z", {"resolution": "All four success criteria met and confirmed with the customer"}, customer=A, case=AC, source="crm")
ev("case.closeout_accepted", "2026-04-08T10:00:00Z", {"by": "Acme COO"}, customer=A, case=AC, source="crm")
ev("case.satisfaction_rated", "2026-04-09T10:00:00Z", {"score": 4, "comment": "Rocky start, handled well in the end"}, customer=A, case=AC, source="survey")

# --- Corner Books: a retailer getting the same form letter four times.
CB = "case-corner-books-refund"
ev("case.opened", "2026-03-12T11:00:00Z", {"category": "billing", "channel": "letter", "severity": 3, "summary": "Refund for a damaged shipment of 40 books never arrived", "product": "wholesale"}, customer=R, case=CB, source="mailroom")
for i, (day, inbound) in enumerate([("2026-03-16", "Where is my refund?"), ("2026-03-24", "Second letter: still no refund"), ("2026-04-02", "Third letter; considering other suppliers"), ("2026-04-13", None)]):
    ev("interaction.recorded", day + "T10:00:00Z", {"channel": "letter", "direction": "outbound", "summary": "Standard letter: your refund is being processed", "agent": "mailroom-bot", "templateId": "tpl-refund-in-progress"}, customer=R, case=CB, source="mailroom")
    if inbound:
        ev("interaction.recorded", day[:8] + "%02d" % (int(day[8:]) + 4) + "T09:00:00Z", {"channel": "letter", "direction": "inbound", "summary": inbound, "sentiment": -0.4 - 0.2 * i}, customer=R, case=CB, source="mailroom")
ev("interaction.recorded", "2026-04-15T14:00:00Z", {"channel": "phone", "direction": "inbound", "summary": "Owner called: 'four identical letters and no money'", "sentiment": -0.9}, customer=R, case=CB, source="contact-centre")
ev("case.escalated", "2026-04-15T15:00:00Z", {"level": 1, "reason": "Form-letter loop: four identical letters, refund still missing", "kind": "functional", "to": "billing-operations"}, customer=R, case=CB, source="crm")
ev("case.assigned", "2026-04-15T15:05:00Z", {"owner": "s.patel", "team": "billing-operations"}, customer=R, case=CB, source="crm")

# --- Nordic Foods: a similar delivery incident within 30 days (confirmed separate but similar),
#     and a billing case wrongly suggested as a repeat (rejected).
ev("case.opened", "2026-03-10T08:00:00Z", {"category": "billing", "channel": "email", "severity": 3, "summary": "Fuel surcharge applied twice on the February invoice"}, customer=N, case=NB1, source="email")
ev("interaction.recorded", "2026-03-10T10:30:00Z", {"channel": "email", "direction": "outbound", "summary": "Acknowledged; invoice under review", "agent": "s.patel"}, customer=N, case=NB1, source="email")
ev("case.assigned", "2026-03-10T10:35:00Z", {"owner": "s.patel", "team": "billing-operations"}, customer=N, case=NB1, source="crm")
ev("case.opened", "2026-03-20T06:30:00Z", {"category": "delivery", "channel": "phone", "severity": 2, "summary": "Second warm delivery, this time at the Bergen depot", "product": "cold-chain"}, customer=N, case=ND2, source="contact-centre")
ev("interaction.recorded", "2026-03-20T07:00:00Z", {"channel": "phone", "direction": "outbound", "summary": "Called back; different carrier this time", "agent": "l.berg"}, customer=N, case=ND2, source="contact-centre")
ev("case.assigned", "2026-03-20T07:05:00Z", {"owner": "l.berg", "team": "logistics-care"}, customer=N, case=ND2, source="crm")
ev("case.linked", "2026-03-21T09:00:00Z", {"relatedCaseId": ND1, "relation": "separate_similar"}, customer=N, case=ND2, source="crm", meta={"actor": "l.berg", "note": "different carrier and depot; same symptom"})
ev("case.opened", "2026-04-01T08:00:00Z", {"category": "billing", "channel": "web", "severity": 4, "summary": "Request to change the invoice address"}, customer=N, case=NB2, source="web")
ev("case.linked", "2026-04-01T09:00:00Z", {"relatedCaseId": NB1, "relation": "not_related"}, customer=N, case=NB2, source="crm", meta={"actor": "s.patel", "note": "address change, not a billing error"})
ev("case.closed", "2026-04-01T11:00:00Z", {"reason": "resolved"}, customer=N, case=NB2, source="crm")
ev("case.resolution_proposed", "2026-03-25T12:00:00Z", {"resolution": "Carrier switched for Bergen; temperature loggers added"}, customer=N, case=ND2, source="crm")
ev("case.closeout_accepted", "2026-03-26T08:00:00Z", {"by": "Nordic Foods logistics manager"}, customer=N, case=ND2, source="crm")

# --- Jane Rivera: a public blog complaint from a customer with many followers, returned to SOP.
JC = "case-jane-blender"
ev("case.opened", "2026-04-03T19:00:00Z", {"category": "product_defect", "channel": "web", "severity": 3, "summary": "Blender motor burned out twice in three months", "product": "blender-x2"}, customer=J, case=JC, source="web")
ev("interaction.recorded", "2026-04-05T08:00:00Z", {"channel": "web", "direction": "inbound", "summary": "Chased: no answer after a day and a half", "sentiment": -0.5}, customer=J, case=JC, source="web")
ev("interaction.recorded", "2026-04-06T07:30:00Z", {"channel": "blog", "direction": "inbound", "public": True, "summary": "Blog post: 'Two blenders, zero answers' with photos of the burned motor", "sentiment": -0.9}, customer=J, case=JC, source="social-listening")
ev("interaction.recorded", "2026-04-06T09:00:00Z", {"channel": "social", "direction": "inbound", "public": True, "summary": "Shared the post to 45k followers", "sentiment": -0.8}, customer=J, case=JC, source="social-listening")
ev("customer.influence_observed", "2026-04-06T12:00:00Z", {"channel": "social", "handle": "@janecooks", "followers": 47500}, customer=J, source="social-listening")
ev("case.escalated", "2026-04-06T10:00:00Z", {"level": 2, "reason": "Public blog complaint from an influential customer", "kind": "hierarchical", "to": "Head of Customer Care"}, customer=J, case=JC, source="crm")
ev("case.assigned", "2026-04-06T10:05:00Z", {"owner": "r.alvarez", "team": "social-care"}, customer=J, case=JC, source="crm")
ev("interaction.recorded", "2026-04-06T10:30:00Z", {"channel": "social", "direction": "outbound", "public": True, "summary": "Public reply: apology and a direct message with a named contact", "agent": "r.alvarez"}, customer=J, case=JC, source="social")
ev("interaction.recorded", "2026-04-06T11:00:00Z", {"channel": "phone", "direction": "outbound", "summary": "Called Jane; replacement and lab analysis of the motor offered", "agent": "r.alvarez", "sentiment": 0.1}, customer=J, case=JC, source="contact-centre")
ev("case.plan_agreed", "2026-04-06T11:30:00Z", {"successCriteria": [{"id": "replacement", "text": "Upgraded replacement delivered"}, {"id": "lab-report", "text": "Lab report on the burned motor shared"}], "targetDate": "2026-04-20", "remedy": {"kind": "replacement"}}, customer=J, case=JC, source="crm")
ev("case.criterion_met", "2026-04-09T15:00:00Z", {"criterionId": "replacement"}, customer=J, case=JC, source="crm")
ev("case.criterion_met", "2026-04-17T15:00:00Z", {"criterionId": "lab-report"}, customer=J, case=JC, source="crm")
ev("interaction.recorded", "2026-04-18T08:00:00Z", {"channel": "blog", "direction": "inbound", "public": True, "summary": "Follow-up post: 'They fixed it, and told me why'", "sentiment": 0.6}, customer=J, case=JC, source="social-listening")
ev("case.deescalated", "2026-04-18T09:00:00Z", {"level": 0, "justification": "Plan complete; customer's follow-up post is positive"}, customer=J, case=JC, source="crm")
ev("case.returned_to_sop", "2026-04-18T09:30:00Z", {"justification": "Escalation over: both criteria met and confirmed by the customer"}, customer=J, case=JC, source="crm")

# --- Everyday cases that stay open.
PC = "case-pat-login"
ev("case.opened", "2026-04-20T13:00:00Z", {"category": "account", "channel": "chat", "severity": 4, "summary": "Cannot reset password from the app"}, customer=P, case=PC, source="chat")
ev("interaction.recorded", "2026-04-20T13:02:00Z", {"channel": "chat", "direction": "inbound", "summary": "Reset link expired twice"}, customer=P, case=PC, source="chat")
AI = "case-acme-invoice"
ev("case.opened", "2026-04-21T08:00:00Z", {"category": "billing", "channel": "email", "severity": 3, "summary": "April invoice shows the March credit twice"}, customer=A, case=AI, source="email")
ev("interaction.recorded", "2026-04-21T08:20:00Z", {"channel": "email", "direction": "outbound", "summary": "Acknowledged; billing to reissue", "agent": "s.patel"}, customer=A, case=AI, source="email")
ev("case.assigned", "2026-04-21T08:25:00Z", {"owner": "s.patel", "team": "billing-operations"}, customer=A, case=AI, source="crm")
# Nordic Foods: the billing case is still open a month later; Acme's scanners case closed 2026-04-08.
ev("interaction.recorded", "2026-04-22T09:00:00Z", {"channel": "email", "direction": "inbound", "summary": "Still waiting for the corrected February invoice", "sentiment": -0.5}, customer=N, case=NB1, source="email")
ev("case.escalated", "2026-04-22T10:00:00Z", {"level": 1, "reason": "Open six weeks past the promise", "kind": "functional", "to": "billing-operations lead"}, customer=N, case=NB1, source="crm")

# --- Internal management review.
ev("review.held", "2026-04-30T15:00:00Z", {"periodStart": "2026-03-01", "periodEnd": "2026-04-30",
    "findings": ["Acme close-out disputed: credit criterion marked done before billing applied it",
                 "Corner Books received the same form letter four times before anyone read the replies",
                 "Jane Rivera's first response missed the promise by a day; the blog post followed"],
    "actions": ["Close-out proposals require billing confirmation of credits",
                "Alert when one template goes out three times on a case",
                "Social listening feeds influential customers into the at-risk list"]}, source="management", meta={"actor": "VP Customer Operations"})

with open("story.ndjson", "w") as f:
    for e in events:
        f.write(json.dumps(e, separators=(",", ":"), ensure_ascii=False) + "\n")
print(len(events))
