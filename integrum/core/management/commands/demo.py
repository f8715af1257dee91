"""`integrum demo`: set up the data directory, the database and the standards library, seed a
demonstration organisation, print a login, then serve.

The demo data goes through the same services the pages and the API use, inside `acting_as(…)`,
so it exercises the real write paths and its change log reads like a real one. It is seeded once:
a second run finds the organisation by its slug and changes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from integrum.core.changelog import acting_as
from integrum.core.models import Organisation, Role, Site, User
from integrum.core.services import membership_add, organisation_create

DEMO_SLUG = "northwind"
CLIENT_SLUG = "calder-valley-coatings"
# Shared by every demo user; long enough for the password validators, obviously not secret.
DEMO_PASSWORD = "demo-password-2026"
LOGIN_EMAIL = "helen.carter@northwind.example"


@dataclass(frozen=True)
class Person:
    key: str
    email: str
    first_name: str
    last_name: str
    job: str


PEOPLE = [
    Person("helen", LOGIN_EMAIL, "Helen", "Carter", "QHSE manager"),
    Person("david", "david.okafor@northwind.example", "David", "Okafor", "Operations director"),
    Person("priya", "priya.shah@northwind.example", "Priya", "Shah", "Environment and facilities lead"),
    Person("tom", "tom.bradley@northwind.example", "Tom", "Bradley", "Production supervisor, Sheffield"),
    Person("jenny", "jenny.walsh@northwind.example", "Jenny", "Walsh", "Warehouse team leader, Rotherham"),
    Person("mark", "mark.ellison@northwind.example", "Mark", "Ellison", "Managing director"),
    Person("sam", "sam.rahman@rahman-consulting.example", "Sam", "Rahman", "Management-systems consultant"),
    Person("gareth", "gareth.pryce@caldervalley.example", "Gareth", "Pryce", "Works manager, Calder Valley"),
]

# Northwind's members besides Helen, who creates the organisation and so becomes its administrator.
# (person, role, site codes the membership is limited to; empty means every site)
NORTHWIND_MEMBERS: list[tuple[str, str, tuple[str, ...]]] = [
    ("david", Role.MANAGER, ()),
    ("sam", Role.MANAGER, ()),
    ("priya", Role.CONTRIBUTOR, ()),
    ("tom", Role.CONTRIBUTOR, ()),
    ("jenny", Role.CONTRIBUTOR, ("ROT",)),
    ("mark", Role.VIEWER, ()),
]

NO_DESIGN = (
    "Parts are made to customer drawings and specifications; we do no design of our own. "
    "Tooling and fixtures we make are process aids, controlled under 8.5.1."
)


@dataclass(frozen=True)
class Gap:
    """One self-assessment answer: (standard, clause number) names the item it belongs to."""

    standard: str  # "9001" or "14001"; a shared item is named by its ISO 9001 clause
    number: str
    status: str
    notes: str
    author: str
    owner: str | None = None
    target_days: int | None = None
    justification: str = ""


MET, PARTLY, NOT_MET, NA = "met", "partly_met", "not_met", "not_applicable"

# About 60 % of the items, worked through in clause order as a QHSE manager would, with the
# environmental clauses answered by the environment lead. Target dates count from the day the
# demo is created.
GAPS: list[Gap] = [
    # --- 4 Context
    Gap(
        "9001",
        "4.1",
        PARTLY,
        "SWOT and PESTLE from the 2025 strategy day cover commercial and quality issues well. Environmental "
        "conditions that affect us (flood risk on the Don, energy prices for the melt shop) are missing, and "
        "the climate change decision asked for since Amd 1:2024 is not written down anywhere.",
        "helen",
        owner="helen",
        target_days=21,
    ),
    Gap(
        "9001",
        "4.2",
        MET,
        "Interested parties register QF-012 lists customers, the Environment Agency, Sheffield City Council, "
        "the neighbours on Carlisle Street, staff, the bank and our insurers. Reviewed at the March "
        "management review. Carbon-data requests from our two automotive customers are captured.",
        "helen",
    ),
    Gap(
        "9001",
        "4.3",
        PARTLY,
        "Certificate scope covers the Sheffield plant only. Needs rewriting as one integrated scope for both "
        "sites, with the physical boundaries ISO 14001 asks for and the 8.3 exclusion justified in it.",
        "helen",
        owner="helen",
        target_days=30,
    ),
    Gap(
        "9001",
        "4.4.1",
        PARTLY,
        "Process map and turtle diagrams cover sales, planning, casting, machining, inspection, despatch and "
        "purchasing. Waste, energy and effluent are not shown as processes with owners yet.",
        "helen",
        owner="priya",
        target_days=45,
    ),
    Gap(
        "9001",
        "4.4.2",
        MET,
        "Procedures and work instructions are in the document register; process KPIs are kept monthly in "
        "the operations pack.",
        "helen",
    ),
    # --- 5 Leadership
    Gap(
        "9001",
        "5.1.1",
        MET,
        "Mark chairs the monthly quality and environment meeting and follows up overdue actions himself "
        "(minutes January to April seen). Budget for the new bund and spill kits was approved in May.",
        "helen",
    ),
    Gap(
        "9001",
        "5.1.2",
        MET,
        "Customer scorecards (on-time delivery, PPM) reviewed weekly in the ops meeting. Automotive PPM is "
        "180 against a target of 250.",
        "helen",
    ),
    Gap(
        "9001",
        "5.2.1",
        PARTLY,
        "Quality policy dated 2019, signed by the previous MD. It has no environmental commitments "
        "(protecting the environment, meeting compliance obligations). Integrated policy drafted, waiting "
        "for Mark's sign-off.",
        "helen",
        owner="helen",
        target_days=14,
    ),
    Gap(
        "9001",
        "5.2.2",
        MET,
        "Policy is on the noticeboards at both sites and on the intranet. Asked three operators in the "
        "machine shop: all could say what it means for their job.",
        "helen",
    ),
    Gap(
        "9001",
        "5.3",
        PARTLY,
        "RACI covers the quality roles. Nobody is formally responsible for reporting environmental "
        "performance to top management; Priya does it in practice. Job descriptions need updating.",
        "helen",
        owner="david",
        target_days=30,
    ),
    # --- 6 Planning
    Gap(
        "9001",
        "6.1.1",
        PARTLY,
        "Quality risks are in the process FMEAs per product family. Environmental risks and opportunities "
        "are not considered yet; they will follow from the aspects register.",
        "helen",
        owner="helen",
        target_days=45,
    ),
    Gap(
        "9001",
        "6.1.2",
        PARTLY,
        "Actions from the FMEAs are tracked here since January, but nobody evaluates whether they worked.",
        "helen",
        owner="helen",
        target_days=60,
    ),
    Gap(
        "14001",
        "6.1.2",
        NOT_MET,
        "No aspects and impacts register. Obvious candidates: melt furnace gas and electricity, foundry sand "
        "to landfill, coolant and cutting oils, fume extraction, swarf, and the end-of-life recycling of our "
        "aluminium parts at the customer.",
        "priya",
        owner="priya",
        target_days=30,
    ),
    Gap(
        "14001",
        "6.1.3",
        NOT_MET,
        "We hold an environmental permit for the melt shop but have no legal register. Waste transfer notes "
        "are filed but never checked. Register must cover the permit conditions, waste duty of care, F-gas "
        "(the chillers), packaging EPR and ESOS.",
        "priya",
        owner="priya",
        target_days=-12,
    ),
    Gap(
        "9001",
        "6.2.1",
        PARTLY,
        "2026 quality objectives set: scrap under 2.5 %, on-time delivery above 96 %, "
        "customer PPM under 250. "
        "No environmental objectives yet; proposed: kWh per tonne melted and share of foundry sand recycled.",
        "helen",
        owner="helen",
        target_days=30,
    ),
    Gap(
        "9001",
        "6.3",
        MET,
        "Moving final inspection for the housings to Rotherham last year went through the change request "
        "form with a risk review and a trial batch. Good example for the auditor.",
        "helen",
    ),
    # --- 7 Support
    Gap(
        "9001",
        "7.1.2",
        MET,
        "Staffing is reviewed in the weekly ops meeting; agency staff go through the same induction.",
        "helen",
    ),
    Gap(
        "9001",
        "7.1.3",
        MET,
        "Planned maintenance for furnaces, CNC cells and compressors runs in the maintenance system; weekly "
        "furnace checks are recorded.",
        "helen",
    ),
    Gap(
        "9001",
        "7.1.4",
        MET,
        "Inspection room temperature is logged (20 ± 2 °C). Lighting survey of the machine shop "
        "done in 2025.",
        "helen",
    ),
    Gap(
        "9001",
        "7.1.5.1",
        PARTLY,
        "The gauge list misses the new bore gauges in cell 4 and the hardness tester at Rotherham.",
        "helen",
        owner="tom",
        target_days=14,
    ),
    Gap(
        "9001",
        "7.1.5.2",
        NOT_MET,
        "Sample of 20 gauges: 3 past their calibration date, including the CMM. No assessment of the parts "
        "measured with them since.",
        "helen",
        owner="tom",
        target_days=-25,
    ),
    Gap(
        "9001",
        "7.2",
        PARTLY,
        "Training matrix is current for machining and inspection. No environmental competence defined for "
        "furnace operators (permit conditions, spill response) or for whoever deals with the waste "
        "contractor.",
        "helen",
        owner="david",
        target_days=60,
    ),
    Gap(
        "9001",
        "7.3",
        PARTLY,
        "Operators know the quality policy. Few knew what a coolant spill into the yard drain would mean for "
        "the river. Toolbox talk planned once the aspects register exists.",
        "priya",
        owner="priya",
        target_days=60,
    ),
    Gap(
        "9001", "7.4", MET, "Communication matrix in the manual; monthly team briefs at both sites.", "helen"
    ),
    Gap(
        "14001",
        "7.4.2",
        MET,
        "Team brief has had an environment slot since April (waste figures, permit news).",
        "priya",
    ),
    Gap(
        "14001",
        "7.4.3",
        PARTLY,
        "Neighbour complaints are logged (two noise complaints in 2025), but there is no agreed process for "
        "what we report externally; the permit returns to the Environment Agency depend on Priya alone.",
        "priya",
        owner="priya",
        target_days=45,
    ),
    Gap(
        "9001",
        "7.5.1",
        MET,
        "Documented information needed by both standards is listed in the document register.",
        "helen",
    ),
    Gap(
        "9001",
        "7.5.2",
        MET,
        "Documents are reviewed and approved under PRO-001; every controlled document shows revision and "
        "change history.",
        "helen",
    ),
    Gap(
        "9001",
        "7.5.3.1",
        MET,
        "Controlled documents are on the shared drive with read-only access for the shop floor; nightly "
        "backup checked.",
        "helen",
    ),
    Gap(
        "9001",
        "7.5.3.2",
        NOT_MET,
        "Found four uncontrolled printed work instructions at the Sheffield lathes (rev C; current "
        "is rev E). Retention periods for environmental records are not defined.",
        "helen",
        owner="tom",
        target_days=-3,
    ),
    # --- 8 Operation
    Gap(
        "9001",
        "8.1",
        PARTLY,
        "Control plans per part number are good. Operational controls for the environment (furnace "
        "emissions, bunding, waste segregation) are informal.",
        "helen",
        owner="priya",
        target_days=60,
    ),
    Gap(
        "9001",
        "8.2.1",
        MET,
        "Customer contact through account managers; complaints come in through the quality inbox and are "
        "logged the same day.",
        "helen",
    ),
    Gap(
        "9001",
        "8.2.2",
        MET,
        "Requirements come from customer drawings, PPAP and the customer-specific requirements files.",
        "helen",
    ),
    Gap(
        "9001",
        "8.2.3.1",
        MET,
        "Contract review on every new part number and drawing revision; feasibility sign-off by engineering "
        "and quality.",
        "helen",
    ),
    Gap(
        "9001",
        "8.3.1",
        NA,
        "Agreed with Mark and Sam: exclusion stays, stated in the scope.",
        "helen",
        justification=NO_DESIGN,
    ),
    Gap("9001", "8.3.2", NA, "", "helen", justification=NO_DESIGN),
    Gap("9001", "8.3.3", NA, "", "helen", justification=NO_DESIGN),
    Gap("9001", "8.3.4", NA, "", "helen", justification=NO_DESIGN),
    Gap("9001", "8.3.5", NA, "", "helen", justification=NO_DESIGN),
    Gap(
        "9001",
        "8.3.6",
        NA,
        "Drawing changes from customers are handled under 8.2.4 and 8.5.6, not here.",
        "helen",
        justification=NO_DESIGN,
    ),
    Gap(
        "14001",
        "8.2",
        NOT_MET,
        "Fire drills are done, but no spill scenario has been planned or tested. The spill kit at Rotherham "
        "goods-in was half empty.",
        "priya",
        owner="jenny",
        target_days=20,
    ),
    Gap(
        "9001",
        "8.5.1",
        MET,
        "First-off and patrol inspection recorded on the route cards; SPC on critical bores.",
        "helen",
    ),
    # --- 9 Performance evaluation
    Gap(
        "9001",
        "9.2.2",
        NOT_MET,
        "2025 audit programme covered only half the processes and no environmental clauses. Only one trained "
        "internal auditor (me).",
        "helen",
        owner="sam",
        target_days=-5,
    ),
    Gap(
        "9001",
        "9.3.2",
        PARTLY,
        "Management review agenda follows the ISO 9001 inputs. The environmental inputs (compliance status, "
        "significant aspects, environmental objectives) are missing.",
        "helen",
        owner="helen",
        target_days=45,
    ),
    Gap(
        "14001",
        "9.1.2",
        NOT_MET,
        "No evaluation of compliance is possible without the legal register (see 6.1.3).",
        "priya",
        owner="priya",
        target_days=60,
    ),
]


@dataclass(frozen=True)
class Plan:
    """One demo action: raised from a gap item (`gap`) or on its own, then moved along its workflow."""

    title: str
    description: str
    creator: str
    owner: str
    priority: str
    due_days: int
    gap: tuple[str, str] | None = None
    site: str | None = None
    steps: tuple[str, ...] = ()  # statuses to move through, in order, by the owner
    outcome: str = ""


PLANS: list[Plan] = [
    Plan(
        "Build the environmental aspects and impacts register for both sites",
        "Walk each process with the supervisors, list aspects under normal, abnormal and emergency "
        "conditions, score significance with the method agreed at the last meeting.",
        "helen",
        "priya",
        "high",
        30,
        gap=("14001", "6.1.2"),
        steps=("in_progress",),
    ),
    Plan(
        "Compile the legal register and evaluate compliance with the melt shop permit",
        "Permit conditions, waste duty of care, F-gas, packaging EPR, ESOS. Ask the trade association for "
        "their register template.",
        "helen",
        "priya",
        "high",
        -12,
        gap=("14001", "6.1.3"),
    ),
    Plan(
        "Run a spill response drill at Rotherham and restock the spill kits",
        "Scenario: split drum of cutting oil at goods-in. Record the drill and what we learned.",
        "priya",
        "jenny",
        "medium",
        20,
        gap=("14001", "8.2"),
        site="ROT",
    ),
    Plan(
        "Recall overdue gauges and put the CMM on the calibration schedule",
        "Check every measurement made with the three overdue gauges since their due date.",
        "helen",
        "tom",
        "high",
        -25,
        gap=("9001", "7.1.5.2"),
        site="SHF",
        steps=("in_progress", "done"),
        outcome="All three gauges calibrated by a UKAS lab, all within tolerance, so no suspect parts were "
        "shipped. Calibration dates are now in the maintenance system with a two-week reminder.",
    ),
    Plan(
        "Agree the 2026 integrated internal audit programme and train two auditors",
        "Risk-based programme covering every process and both standards over the year. Tom and Jenny "
        "volunteered for the auditor course.",
        "helen",
        "sam",
        "high",
        -5,
        gap=("9001", "9.2.2"),
        steps=("in_progress",),
    ),
    Plan(
        "Add the environmental inputs to the management review agenda",
        "",
        "helen",
        "helen",
        "medium",
        45,
        gap=("9001", "9.3.2"),
    ),
    Plan(
        "Record the climate change decision in the context analysis",
        "Amd 1:2024: decide whether climate change is a relevant issue and record why.",
        "helen",
        "helen",
        "medium",
        -10,
        gap=("9001", "4.1"),
        steps=("done",),
        outcome="Decided relevant: flood risk at Sheffield and customers' carbon-reduction targets. "
        "Recorded in the context analysis QF-011 rev D, approved at the June management meeting.",
    ),
    Plan(
        "Withdraw uncontrolled copies of work instructions from the Sheffield lathes",
        "Replace with laminated controlled copies, or the tablets in cell 2.",
        "helen",
        "tom",
        "medium",
        -3,
        gap=("9001", "7.5.3.2"),
        site="SHF",
    ),
    Plan(
        "Investigate porosity rejects on the GH-220 gearbox housing",
        "Customer complaint: 14 housings rejected at machining for porosity, batch 2611. 8D requested within "
        "10 working days. Containment: stock at Rotherham quarantined and sorted.",
        "david",
        "david",
        "critical",
        7,
        site="SHF",
        steps=("in_progress",),
    ),
    Plan(
        "Replace the cracked bund under the coolant IBC store",
        "Found on the site walk: crack along the bund wall, about 20 cm.",
        "priya",
        "priya",
        "high",
        -40,
        site="SHF",
        steps=("in_progress", "done"),
        outcome="New steel bund with 110 % capacity fitted; old one scrapped. "
        "Added to the weekly yard check.",
    ),
    Plan(
        "Segregate swarf and oily rags at source and relabel the skips",
        "Aluminium swarf is going in general waste at cell 3; we lose the scrap value and it breaks our duty "
        "of care.",
        "priya",
        "tom",
        "low",
        60,
        site="SHF",
    ),
    Plan(
        "Review the heat-treatment subcontractor's approval after late deliveries",
        "Three late deliveries in a quarter, one batch without certificates. Decide: corrective action "
        "request or dual source.",
        "david",
        "david",
        "medium",
        -20,
    ),
    Plan(
        "Get a quote for LED high-bay lighting in the Rotherham warehouse",
        "",
        "priya",
        "jenny",
        "low",
        40,
        site="ROT",
        steps=("cancelled",),
        outcome="Not needed: the landlord replaces the lighting under the new lease.",
    ),
]


@dataclass(frozen=True)
class Doc:
    """A controlled document or record of the demo, taken through approval to effective."""

    kind: str
    title: str
    description: str
    author: str  # writes the first revision in Integrum, or imports it
    owner: str
    approver: str  # signs it in Integrum, or approved it in the old register
    clauses: tuple[tuple[str, str], ...]  # (standard, clause number) it serves
    body: str = ""  # Markdown written in the app …
    pdf: str = ""  # … or a short HTML text, printed to the PDF that is uploaded
    review_months: int | None = 24
    roles: tuple[str, ...] = ()  # distributed to these roles …
    read_by: tuple[str, ...] = ()  # … of whom these have acknowledged it
    retention_months: int | None = None
    approved_days_ago: int | None = None  # set for a revision brought over from the old register
    label: str = ""


POLICY_TEXT = """# Quality and environmental policy

Northwind Components casts and machines precision aluminium parts for automotive and hydraulics
customers at Sheffield and Rotherham. Everyone who works here, and everyone who works for us,
commits to the following.

- **Customers.** Parts that meet the drawing and the specification, first time and on time.
- **Compliance.** We keep the conditions of the melt shop permit, our duty of care for waste and
  every other legal and customer requirement that applies to us.
- **Environment.** We prevent pollution: no spill reaches a drain. Each year we melt with less
  energy per tonne and send less foundry sand to landfill.
- **Objectives.** Quality and environmental objectives are set every year, followed monthly and
  reviewed at the management review.
- **Improvement.** Audits, corrective actions and the ideas of the people who do the work make the
  management system better year after year.

The board reviews this policy at each management review. It hangs on the noticeboards of both
sites and is given to anyone who asks for it.
"""

MANUAL_HTML = """<h1>Integrated management system manual</h1>
<h2>1 Scope</h2>
<p>Casting, machining, inspection and despatch of precision aluminium parts at the Sheffield plant
(Unit 4, Carlisle Street East) and the Rotherham warehouse (Bay 12, Parkgate Trade Park). Design
and development (ISO 9001 8.3) is excluded: parts are made to customer drawings.</p>
<h2>2 Processes</h2>
<p>Sales and contract review, planning, melting and casting, machining, inspection, despatch,
purchasing, maintenance, waste and energy. Each process has an owner, a turtle diagram and monthly
measures.</p>
<h2>3 Documented information</h2>
<p>Controlled documents and records are kept in Integrum under PRO-001.</p>
"""

EMERGENCY_HTML = """<h1>Emergency preparedness and response</h1>
<p>Situations planned for: a coolant or oil spill in the yard, a molten metal breakout at the
furnaces, and a fire in the swarf store.</p>
<h2>Spill in the yard</h2>
<ol><li>Stop the source if it is safe to do so.</li>
<li>Cover the nearest drain with a drain mat from the spill kit.</li>
<li>Contain and absorb; bag the used absorbent as hazardous waste.</li>
<li>Tell the environment lead the same day; she decides whether the Environment Agency is told.</li></ol>
<p>Each scenario is drilled once a year at each site, and after a drill the plan is reviewed.</p>
"""

DOCUMENTS: list[Doc] = [
    Doc(
        "policy",
        "Quality and environmental policy",
        "The one policy for both standards, signed off for the board.",
        "helen",
        "mark",
        "david",
        (("9001", "5.2"), ("14001", "5.2")),
        body=POLICY_TEXT,
        review_months=12,
        roles=tuple(Role.values),
        read_by=("david", "priya", "tom"),
    ),
    Doc(
        "manual",
        "Integrated management system manual",
        "Scope, processes and how the two standards are met, in one place.",
        "helen",
        "helen",
        "mark",
        (("9001", "4.3"), ("9001", "4.4"), ("14001", "4.3"), ("14001", "4.4")),
        pdf=MANUAL_HTML,
        review_months=12,
        # Approved in the old register 13 months ago and reviewed yearly: the review is overdue.
        approved_days_ago=395,
        label="4",
    ),
    Doc(
        "procedure",
        "Control of documented information",
        "How documents are numbered, written, approved, distributed, reviewed and withdrawn, and how "
        "long records are kept.",
        "helen",
        "helen",
        "david",
        (("9001", "7.5"), ("14001", "7.5")),
        body="""# Control of documented information

**Purpose.** Everyone works from the current revision, and the records we need are kept, findable
and safe.

1. Documents and records live in Integrum. Their number comes from the register; nobody invents one.
2. A new revision says what changed and why. It is approved by the owner's manager, or by the QHSE
   manager for documents that cross departments.
3. An approved revision takes effect on its effective date and replaces the previous one; printed
   copies are stamped and withdrawn when a new revision takes effect.
4. People named in the distribution confirm they have read each new revision.
5. Every document is reviewed at least every two years; the policy and the manual every year.
6. Records are kept for the period in the record's entry, never less than three years, and are not
   destroyed while on legal hold.
""",
        roles=(Role.MANAGER,),
        read_by=("david",),
    ),
    Doc(
        "procedure",
        "Internal audit",
        "Audit programme, auditor competence, audit reports and follow-up.",
        "helen",
        "sam",
        "helen",
        (("9001", "9.2"), ("14001", "9.2")),
        body="""# Internal audit

**Purpose.** Find out, before the certification body does, whether the management system works as
planned and meets both standards.

- The audit programme covers every process and every clause of both standards over twelve months,
  more often where there were problems or changes.
- Auditors are trained and never audit their own work.
- Each audit has a plan, a checklist drawn from the clause audit questions and a report within five
  working days. Nonconformities go to the action tracker with an owner and a date.
- The results feed the management review.
""",
        approved_days_ago=240,
        label="2",
    ),
    Doc(
        "procedure",
        "Nonconformity and corrective action",
        "From the first report of a problem to the check that the fix worked.",
        "helen",
        "david",
        "david",
        (("9001", "10.2"), ("14001", "10.2")),
        body="""# Nonconformity and corrective action

1. Whoever finds a problem (scrap, a complaint, a spill, an audit finding) reports it the same day.
2. The process owner contains it: quarantine, sort, clean up.
3. If it could happen again, the owner finds the cause and raises a corrective action.
4. The QHSE manager closes the action once the evidence shows it worked.
""",
        approved_days_ago=300,
        label="1",
    ),
    Doc(
        "procedure",
        "Emergency preparedness and response",
        "Spills, molten metal breakouts and fire in the swarf store: what to do, and the yearly drills.",
        "priya",
        "priya",
        "helen",
        (("14001", "8.2"),),
        pdf=EMERGENCY_HTML,
        roles=(Role.CONTRIBUTOR,),
        read_by=("priya", "tom"),
    ),
    Doc(
        "record",
        "Waste transfer notes 2025",
        "Transfer notes from our licensed carriers for foundry sand, swarf, oily rags and spent coolant, "
        "scanned each month. Originals in the QHSE office.",
        "helen",
        "priya",
        "priya",
        (("14001", "8.1"), ("14001", "9.1.1")),
        body="Waste transfer notes for January to December 2025, one scan per collection, filed by month. "
        "Carriers: Don Valley Metals (swarf), Yorkshire Sand Recovery (foundry sand), "
        "Northern Oil Services (coolant and oily rags).",
        review_months=None,
        retention_months=36,  # kept three years from closing the file; no legal hold
        approved_days_ago=40,  # Priya closed the 2025 file in the old register
        label="1",
    ),
]

NC_REVISION_2 = """# Nonconformity and corrective action

1. Whoever finds a problem (scrap, a complaint, a spill, an audit finding) reports it the same day.
2. The process owner contains it: quarantine, sort, clean up.
3. If it could happen again, the owner asks "why?" until the cause is one we can remove, and raises a
   corrective action with an owner and a date.
4. Sixty days after the action is done, the QHSE manager checks the evidence that it worked: the
   problem has not come back. Only then is it closed.
"""


class Command(BaseCommand):
    help = (
        "Set up the data directory, the database and the standards library, create the demonstration "
        "organisation (once), print a login and serve."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-serve", action="store_true", help="Set everything up, print the login, stop."
        )
        parser.add_argument("--host", default="127.0.0.1", help="Address to serve on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to serve on (default 8000).")

    def handle(self, *args: Any, no_serve: bool, host: str, port: int, **options: Any) -> None:
        from integrum.core.management.commands.serve import server_url

        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"Data directory: {settings.DATA_DIR}")
        call_command("migrate", verbosity=0, interactive=False)
        self.load_standards()
        northwind = Organisation.objects.filter(slug=DEMO_SLUG).first()
        if northwind is not None:
            if add_documents_to(northwind):
                self.stdout.write("The demo organisation exists already; its document register was added.")
            else:
                self.stdout.write("The demo organisation exists already: nothing to add.")
        else:
            seed_demo(today=timezone.localdate())
            self.stdout.write("Demo organisation created: Northwind Components Ltd.")
        self.print_login(server_url(host, port))
        if not no_serve:
            call_command("serve", host=host, port=port)

    def load_standards(self) -> None:
        from integrum.standards.loader import LibraryError, load_library

        try:
            report = load_library()
        except LibraryError as error:
            raise CommandError(str(error)) from error
        if report.changed:
            self.stdout.write("Standards library loaded:")
            for line in report.lines():
                self.stdout.write(f"  {line}")
        else:
            self.stdout.write("Standards library: up to date.")

    def print_login(self, url: str) -> None:
        rule = "-" * 72
        lines = [
            "",
            rule,
            "  Integrum demo: sign in as Helen Carter, QHSE manager (administrator)",
            f"    URL:       {url}login/",
            f"    Email:     {LOGIN_EMAIL}",
            f"    Password:  {DEMO_PASSWORD}",
            "  The other demo users have the same password, one for each role:",
        ]
        width = max(len(person.email) for person in PEOPLE)
        lines += [f"    {email:<{width}}  {role}" for email, role in other_logins()]
        lines += [rule, ""]
        self.stdout.write("\n".join(lines))


def other_logins() -> list[tuple[str, str]]:
    """(email, what the person may do) for every demo user but the one whose login is printed."""
    emails = {person.key: person.email for person in PEOPLE}
    rows = []
    for key, role, site_codes in NORTHWIND_MEMBERS:
        where = f", {' and '.join(site_codes)} site only" if site_codes else ""
        extra = "; administrator of Calder Valley Coatings" if key == "sam" else ""
        rows.append((emails[key], f"{Role(role).label.lower()} at Northwind{where}{extra}"))
    rows.append((emails["gareth"], "manager at Calder Valley Coatings"))
    return rows


# --- Seeding ---------------------------------------------------------------------------------


def _ensure_users() -> dict[str, User]:
    # One hash for everyone: hashing the same password eight times only makes the demo slower.
    password = make_password(DEMO_PASSWORD)
    users = {}
    for person in PEOPLE:
        user = User.objects.filter(email=person.email).first()
        if user is None:
            user = User.objects.create_user(
                person.email, first_name=person.first_name, last_name=person.last_name
            )
            user.password = password
            user.save(update_fields=["password"])
        users[person.key] = user
    return users


def _site(organisation: Organisation, name: str, code: str, address: str) -> Site:
    site = Site(organisation=organisation, name=name, code=code, address=address)
    site.full_clean()
    site.save()
    return site


@transaction.atomic
def seed_demo(*, today: datetime.date) -> Organisation:
    """Create Northwind Components and the consultant's second client, all or nothing."""
    users = _ensure_users()
    northwind = _seed_northwind(users, today)
    if not Organisation.objects.filter(slug=CLIENT_SLUG).exists():
        _seed_client(users, today)
    return northwind


def _seed_northwind(users: dict[str, User], today: datetime.date) -> Organisation:
    from integrum.actions.models import Action
    from integrum.actions.services import action_create, action_transition
    from integrum.assessments.models import AssessmentItem
    from integrum.assessments.services import (
        action_from_gap,
        assessment_create,
        assessment_item_update,
        evidence_link_add,
    )
    from integrum.standards.models import Standard

    helen = users["helen"]
    with acting_as(helen):
        organisation = organisation_create(name="Northwind Components Ltd", slug=DEMO_SLUG, creator=helen)
        organisation.description = (
            "Precision aluminium castings and machined parts for automotive and hydraulics customers. "
            "Foundry and machine shop in Sheffield, warehouse and final inspection in Rotherham; 140 staff."
        )
        organisation.save()
        sites = {
            "SHF": _site(
                organisation, "Sheffield plant", "SHF", "Unit 4, Carlisle Street East, Sheffield S4 7QN"
            ),
            "ROT": _site(
                organisation, "Rotherham warehouse", "ROT", "Bay 12, Parkgate Trade Park, Rotherham S62 6JL"
            ),
        }
        for key, role, site_codes in NORTHWIND_MEMBERS:
            person = next(p for p in PEOPLE if p.key == key)
            membership_add(
                organisation=organisation,
                email=person.email,
                role=role,
                sites=[sites[code] for code in site_codes],
            )

        try:
            standards = [
                Standard.objects.get(code="ISO 9001", edition="2015"),
                Standard.objects.get(code="ISO 14001", edition="2015"),
            ]
        except Standard.DoesNotExist as error:
            raise CommandError("The standards library lacks ISO 9001:2015 or ISO 14001:2015.") from error
        assessment = assessment_create(
            organisation=organisation,
            title="Integrated readiness review 2026",
            description=(
                "Self-assessment against ISO 9001:2015 and ISO 14001:2015 before the stage 1 audit for the "
                "integrated certificate. Shared clauses are answered once for both standards."
            ),
            standards=standards,
            integrated=True,
            owner=helen,
            target_date=today + datetime.timedelta(days=120),
        )

    items = AssessmentItem.objects.filter(assessment=assessment).prefetch_related("clauses__standard")
    by_clause: dict[tuple[str, str], AssessmentItem] = {}
    for item in items:
        for clause in item.clauses.all():
            by_clause[(clause.standard.code.removeprefix("ISO "), clause.number)] = item

    for gap in GAPS:
        found = by_clause.get((gap.standard, gap.number))
        if found is None:
            continue  # the library lacks this clause: leave the item out rather than fail the demo
        with acting_as(users[gap.author]):
            found.refresh_from_db()
            assessment_item_update(
                item=found,
                version=found.version,
                status=gap.status,
                notes=gap.notes,
                justification=gap.justification,
                owner=users[gap.owner] if gap.owner else None,
                target_date=today + datetime.timedelta(days=gap.target_days)
                if gap.target_days is not None
                else None,
            )

    for plan in PLANS:
        with acting_as(users[plan.creator]):
            common: dict[str, Any] = {
                "title": plan.title,
                "description": plan.description,
                "owner": users[plan.owner],
                "due_date": today + datetime.timedelta(days=plan.due_days),
                "priority": plan.priority,
            }
            common["site"] = sites[plan.site] if plan.site else None
            source_item = by_clause.get(plan.gap) if plan.gap else None
            if source_item is not None:
                action = action_from_gap(item=source_item, created_by=users[plan.creator], **common)
            else:
                action = action_create(organisation=organisation, created_by=users[plan.creator], **common)
        with acting_as(users[plan.owner]):
            for status in plan.steps:
                ends = status in (Action.Status.DONE, Action.Status.CANCELLED)
                action_transition(action=action, to=status, outcome=plan.outcome if ends else "")

    # The calibration gap was closed by its action: Helen links the evidence and re-assesses it.
    calibration = by_clause.get(("9001", "7.1.5.2"))
    closed = Action.objects.filter(
        organisation=organisation, title__startswith="Recall overdue gauges"
    ).first()
    if calibration is not None and closed is not None:
        with acting_as(helen):
            evidence_link_add(item=calibration, target=closed)
            calibration.refresh_from_db()
            assessment_item_update(
                item=calibration,
                version=calibration.version,
                status=AssessmentItem.Status.MET,
                notes=(
                    f"Closed by {closed.reference}: overdue gauges recalibrated, no suspect parts shipped, "
                    "calibration now scheduled in the maintenance system. "
                    "Check again at the next internal audit."
                ),
            )
    seed_documents(organisation, users, today)
    return organisation


def _pdf(html: str, name: str) -> Any:
    from weasyprint import HTML

    from integrum.core.files import in_memory

    return in_memory(bytes(HTML(string=html).write_pdf()), name)


def seed_documents(organisation: Organisation, users: dict[str, User], today: datetime.date) -> None:
    """Northwind's document register: policy, manual, procedures and a record, mostly effective,
    with acknowledgements part done, a revision waiting for Helen's signature and a review overdue."""
    from integrum.documents.models import DEFAULT_PREFIXES, Document
    from integrum.documents.services import (
        StepSpec,
        acknowledge,
        document_create,
        numbering_rule_set,
        revision_create,
        revision_import_approved,
        revision_sign,
        revision_submit,
    )
    from integrum.standards.models import Clause

    clauses = {
        (clause.standard.code.removeprefix("ISO "), clause.number): clause
        for clause in Clause.objects.filter(standard__edition="2015").select_related("standard")
    }
    helen = users["helen"]
    with acting_as(helen):
        for kind, prefix in DEFAULT_PREFIXES.items():
            numbering_rule_set(organisation=organisation, kind=kind, prefix=prefix, padding=3)

    made: dict[str, Document] = {}
    for spec in DOCUMENTS:
        author = users[spec.author]
        with acting_as(author):
            document = document_create(
                organisation=organisation,
                kind=spec.kind,
                title=spec.title,
                description=spec.description,
                owner=users[spec.owner],
                review_interval_months=spec.review_months,
                clauses=[clauses[key] for key in spec.clauses if key in clauses],
                distribution_roles=spec.roles,
                retention_months=spec.retention_months,
            )
            upload = _pdf(spec.pdf, f"{spec.title.lower().replace(' ', '-')}.pdf") if spec.pdf else None
            revision = revision_create(
                document=document,
                change_summary="Brought over from the shared-drive register."
                if spec.approved_days_ago is not None
                else "First issue.",
                created_by=author,
                body=spec.body,
                upload=upload,
                label=spec.label,
            )
            if spec.approved_days_ago is not None:
                # Approved in the old register: in force from its old approval date, the approver
                # kept as metadata (what the register import does), so no signature here.
                revision_import_approved(
                    revision=revision,
                    approved_on=today - datetime.timedelta(days=spec.approved_days_ago),
                    approver=users[spec.approver].get_full_name(),
                )
            else:
                revision_submit(
                    revision=revision, steps=[StepSpec(kind="approve", assignee=users[spec.approver])]
                )
        if spec.approved_days_ago is None:
            approver = users[spec.approver]
            with acting_as(approver):
                revision_sign(step=revision.steps.get(), user=approver, password=DEMO_PASSWORD)
        revision.refresh_from_db()  # it took effect at once
        for reader in spec.read_by:
            with acting_as(users[reader]):
                acknowledge(revision=revision, user=users[reader])
        made[spec.title] = document

    # Revision 2 of the corrective action procedure waits for Helen's approval.
    david = users["david"]
    with acting_as(david):
        second = revision_create(
            document=made["Nonconformity and corrective action"],
            change_summary="Adds the search for the root cause and a check, sixty days on, that the action "
            "worked (finding 3 of the 2025 internal audit).",
            created_by=david,
            body=NC_REVISION_2,
        )
        revision_submit(revision=second, steps=[StepSpec(kind="approve", assignee=helen)])


@transaction.atomic
def add_documents_to(northwind: Organisation) -> bool:
    """Give a demo made before document control its register; False when it has one already."""
    from integrum.documents.models import Document

    if Document.objects.filter(organisation=northwind).exists():
        return False
    seed_documents(northwind, _ensure_users(), timezone.localdate())
    return True


def _seed_client(users: dict[str, User], today: datetime.date) -> Organisation:
    """The consultant's own small client, so that the organisation switcher has something to switch to."""
    from integrum.actions.services import action_create

    sam = users["sam"]
    with acting_as(sam):
        client = organisation_create(name="Calder Valley Coatings Ltd", slug=CLIENT_SLUG, creator=sam)
        client.description = "Powder coating and wet spraying for local fabricators; 18 staff, one site."
        client.save()
        _site(client, "Brighouse works", "BRG", "Armytage Road, Brighouse HD6 1QF")
        membership_add(organisation=client, email=users["gareth"].email, role=Role.MANAGER)
        action_create(
            organisation=client,
            title="Draft the environmental policy for the directors to sign",
            created_by=sam,
            owner=sam,
            due_date=today + datetime.timedelta(days=14),
            priority="medium",
        )
        action_create(
            organisation=client,
            title="Start a waste transfer note file for powder overspray and spent filters",
            created_by=sam,
            owner=users["gareth"],
            due_date=today + datetime.timedelta(days=30),
            priority="high",
        )
    return client
