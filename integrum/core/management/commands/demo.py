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
            from integrum.performance.demo import add_performance_to

            added = []
            if add_documents_to(northwind):
                added.append("its document register")
            if add_registers_to(northwind):
                added.append("its planning registers")
            if add_performance_to(northwind, _ensure_users(), timezone.localdate()):
                added.append("its environmental data, GHG inventories, KPIs and objectives")
            if add_check_and_act_to(northwind):
                added.append("its audits, nonconformities and management reviews")
            if added:
                were = "was" if len(added) == 1 and added[0] == "its document register" else "were"
                self.stdout.write(
                    f"The demo organisation exists already; {' and '.join(added)} {were} added."
                )
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
    seed_registers(organisation, users, today)
    from integrum.performance.demo import seed_performance

    seed_performance(organisation, users, today)
    seed_check_and_act(organisation, users, today)
    return organisation


def seed_check_and_act(organisation: Organisation, users: dict[str, User], today: datetime.date) -> None:
    """Audits and findings, nonconformities raised from them and elsewhere, then the management
    reviews, which compile from everything seeded before them."""
    from integrum.audits.demo import seed_audits
    from integrum.improvement.demo import seed_improvement
    from integrum.reviews.demo import seed_reviews

    seed_audits(organisation, users, today)
    seed_improvement(organisation, users, today)
    seed_reviews(organisation, users, today)


def add_check_and_act_to(northwind: Organisation) -> bool:
    """Give an earlier demo its audits, nonconformities and reviews, unless it has some already."""
    from integrum.audits.models import AuditProgramme
    from integrum.reviews.models import ManagementReview

    if (
        AuditProgramme.objects.filter(organisation=northwind).exists()
        or ManagementReview.objects.filter(organisation=northwind).exists()
    ):
        return False
    seed_check_and_act(northwind, _ensure_users(), timezone.localdate())
    return True


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


# --- Planning registers (issue 4): context, parties, scope, processes, roles, risks, aspects,
# compliance obligations. Written as Helen, David and Priya would have filled them in over the
# spring; dates count from the day the demo is created.


@dataclass(frozen=True)
class Issue:
    key: str
    title: str
    description: str
    origin: str  # "internal" or "external"
    category: str  # a PESTLE or SWOT value
    standards: tuple[str, ...]  # "9001", "14001"; empty: both
    owner: str
    effect: str = "negative"
    environmental_condition: bool = False
    climate_related: bool = False
    review_days: int = 180


ISSUES: list[Issue] = [
    Issue(
        "energy",
        "Gas and electricity prices for the melt shop",
        "Melting and holding furnaces use about 60 % of our energy. Prices doubled in 2022 and are still "
        "volatile; each 10 % rise costs roughly £85k a year that we cannot pass on to fixed-price contracts.",
        "external",
        "economic",
        (),
        "david",
    ),
    Issue(
        "heat",
        "Hotter summers in the melt shop",
        "Met Office projections for South Yorkshire give more days above 30 °C. The melt shop already "
        "reached 41 °C at the furnace platform in July 2025; operators had to rotate every 30 minutes and "
        "two shifts were shortened.",
        "external",
        "environmental",
        (),
        "helen",
        environmental_condition=True,
        climate_related=True,
    ),
    Issue(
        "river",
        "Sheffield plant beside the River Don",
        "The yard drains to surface water that reaches the Don 300 m downstream, and the site flooded in "
        "2007. A spill in the yard or a flood reaching the oil store would pollute the river.",
        "external",
        "environmental",
        ("14001",),
        "priya",
        environmental_condition=True,
        climate_related=True,
    ),
    Issue(
        "decarbonise",
        "Customers want lower-carbon castings",
        "Both automotive customers have net-zero targets for their supply chains and now ask for the carbon "
        "footprint of each part and for recycled-content alloy. Suppliers who can show the data win the "
        "next platforms.",
        "external",
        "opportunity",
        (),
        "helen",
        effect="positive",
    ),
    Issue(
        "ev",
        "Move to electric vehicles",
        "Sumps and engine brackets (35 % of sales) will decline after 2030; battery housings and motor "
        "end-caps need thinner walls and tighter porosity limits than we cast today.",
        "external",
        "threat",
        ("9001",),
        "mark",
        effect="mixed",
    ),
    Issue(
        "regulation",
        "More environmental regulation reaching the plant",
        "Packaging extended producer responsibility, the F-gas phase-down affecting our chillers and the "
        "next permit review will all add reporting and cost in the next three years.",
        "external",
        "legal",
        ("14001",),
        "priya",
    ),
    Issue(
        "skills",
        "Melt shop skills close to retirement",
        "Two of our three senior melters retire within three years. Alloy and degassing know-how is in their "
        "heads, not in work instructions, and local colleges no longer run a foundry course.",
        "internal",
        "weakness",
        ("9001",),
        "david",
    ),
    Issue(
        "inspection",
        "In-house X-ray and CMM inspection",
        "Real-time X-ray for porosity and two CMMs let us release safety-relevant castings without sending "
        "them out. Customer PPM of 180 is the best in our customers' casting panel.",
        "internal",
        "strength",
        ("9001",),
        "helen",
        effect="positive",
    ),
    Issue(
        "furnaces",
        "Ageing gas-fired crucible furnaces",
        "The four crucible furnaces are 25 years old and melt at about 1,350 kWh per tonne, well above "
        "a modern induction furnace. Refractory repairs take them out of use for a week each year.",
        "internal",
        "technological",
        (),
        "tom",
    ),
]

CLIMATE_RATIONALE = (
    "Relevant. Hotter summers put the people at the furnaces under heat stress (41 °C on the furnace "
    "platform in July 2025) and threaten output when shifts must be cut short. Melting is our largest cost "
    "after metal, so the energy costs that climate policy and carbon prices drive affect whether we stay "
    "competitive. Flood risk at Sheffield and our customers' carbon-reduction targets point the same way. "
    "Followed up in the context issues, the risk register (heat stress, energy prices) and the 2026 "
    "objectives."
)


@dataclass(frozen=True)
class Need:
    text: str
    adopted: bool = True
    becomes_obligation: bool = False
    climate_related: bool = False
    notes: str = ""


@dataclass(frozen=True)
class Party:
    key: str
    name: str
    origin: str
    kind: str
    description: str
    needs: tuple[Need, ...]
    standards: tuple[str, ...] = ()
    climate_related: bool = False


PARTIES: list[Party] = [
    Party(
        "customers",
        "Automotive tier 1 customers",
        "external",
        "customer",
        "Two tier 1 suppliers of powertrain and chassis modules; about 70 % of sales, under IATF 16949 "
        "customer-specific requirements.",
        (
            Need("Parts to drawing with PPAP approval, delivered on time, rejects below 250 PPM."),
            Need(
                "A yearly carbon footprint for each part supplied and a plan to reduce it by 2030.",
                becomes_obligation=True,
                climate_related=True,
                notes="In both supplier codes of conduct since 2025: a contractual commitment, so it goes on "
                "the obligations register once the footprint method is agreed.",
            ),
            Need("Certification to ISO 14001 before the end of 2026."),
        ),
        climate_related=True,
    ),
    Party(
        "agency",
        "Environment Agency",
        "external",
        "regulator",
        "Regulates the melt shop under its environmental permit and enforces waste law. Site inspector "
        "visits about once a year.",
        (
            Need(
                "Run the melt shop within the conditions of its environmental permit.",
                becomes_obligation=True,
            ),
            Need(
                "Keep to the waste duty of care: licensed carriers, correctly described waste, transfer "
                "notes kept.",
                becomes_obligation=True,
            ),
            Need("Report incidents that could pollute without delay and send the annual permit return."),
        ),
        standards=("14001",),
    ),
    Party(
        "neighbours",
        "Residents of Carlisle Street and Attercliffe",
        "external",
        "neighbour",
        "About forty houses within 200 m of the Sheffield fettling shop and yard. Two noise complaints in "
        "2025, both about early-morning deliveries.",
        (
            Need("No noisy work or lorry movements before 7 am or on Sundays."),
            Need("No smoke or smell from the furnace stacks."),
            Need(
                "To hear from us before a change that could affect them, such as a new furnace.",
                adopted=False,
                notes="Not adopted as a requirement; we will write to them when the furnace project starts.",
            ),
        ),
        standards=("14001",),
    ),
    Party(
        "employees",
        "Employees at both sites",
        "internal",
        "employee",
        "140 people, about half on shifts; recognised union at Sheffield.",
        (
            Need(
                "Bearable working temperatures in the melt shop in summer.",
                climate_related=True,
            ),
            Need("Training and a route to skilled jobs: melter, setter, inspector."),
        ),
        climate_related=True,
    ),
    Party(
        "owner",
        "Ardent Industrial Holdings (parent company)",
        "external",
        "owner",
        "Owns Northwind since 2021; approves the budget and capital spend over £50k.",
        (
            Need("Operating margin of at least 9 % and capital spending within the approved plan."),
            Need(
                "Quarterly group ESG return: energy use, Scope 1 and 2 emissions, waste to landfill.",
                becomes_obligation=True,
                climate_related=True,
                notes="Group policy, binding on all subsidiaries: to be added to the obligations register.",
            ),
        ),
        climate_related=True,
    ),
    Party(
        "suppliers",
        "Ingot, sand and waste suppliers",
        "external",
        "supplier",
        "The aluminium ingot smelter, the sand and binder supplier, and our three licensed waste carriers.",
        (
            Need("Ingot forecasts three months ahead so that melt slots can be planned."),
            Need("Waste segregated and labelled before collection, with the correct waste code."),
            Need(
                "Payment within 30 days.",
                adopted=False,
                notes="Our terms are 60 days; agreed 45 days with the ingot supplier only.",
            ),
        ),
    ),
]

SCOPE_9001 = (
    "Casting, machining, inspection and despatch of precision aluminium castings made to customer "
    "drawings for the automotive and hydraulics industries, at the Sheffield plant and the Rotherham "
    "warehouse."
)
SCOPE_14001 = (
    "Casting, machining, inspection, storage and despatch of precision aluminium castings for the "
    "automotive and hydraulics industries, at the Sheffield plant and the Rotherham warehouse."
)
PRODUCTS = (
    "Gravity and low-pressure die castings in LM25 and LM6 alloys, 0.2 to 18 kg, machined and "
    "inspected: gearbox housings, sumps, brackets, valve bodies."
)
BOUNDARIES = (
    "Sheffield: the whole site at Unit 4, Carlisle Street East (melt shop, foundry, fettling, machine shop, "
    "yard and offices). Rotherham: Bay 12, Parkgate Trade Park (warehouse and final inspection). Sales "
    "staff working from home are included; the parent company's offices are not."
)
LIFECYCLE = (
    "We control melting, casting, machining and waste at our sites. We influence the recycled content of "
    "the ingot we buy, how our hauliers deliver, whether packaging comes back for reuse, and, through the "
    "alloys and coatings our customers specify, how easily the parts are recycled at the end of the "
    "vehicle's life. Design stays with the customer."
)


@dataclass(frozen=True)
class Proc:
    key: str
    name: str
    purpose: str
    owner: str
    inputs: str
    outputs: str
    criteria: str
    kpis: str
    sites: tuple[str, ...] = ()


PROCESSES: list[Proc] = [
    Proc(
        "sales",
        "Sales and contract review",
        "Win work we can make well, and agree exactly what the customer needs before we accept it.",
        "david",
        "Enquiries, drawings, customer-specific requirements, forecasts.",
        "Quotations, reviewed contracts, order book, delivery schedule.",
        "Every new part number and drawing revision reviewed by engineering and quality before acceptance.",
        "Quote turnaround under 5 days; on-time delivery above 96 %.",
    ),
    Proc(
        "purchasing",
        "Purchasing",
        "Buy metal, materials and services from approved suppliers, on time and to specification.",
        "david",
        "Material requirements, approved supplier list, specifications.",
        "Purchase orders, received and checked materials, supplier ratings.",
        "Only approved suppliers used; every ingot lot has a certificate of analysis.",
        "Supplier on-time delivery above 95 %; ingot certificates missing: none.",
    ),
    Proc(
        "casting",
        "Melting and casting",
        "Turn ingot and returns into sound castings at the lowest energy per tonne.",
        "tom",
        "Ingot, returns, sand cores, production schedule.",
        "Castings, dross and spent sand, melt records.",
        "Melt chemistry and hydrogen within limits; die temperatures logged each shift.",
        "Casting scrap below 2.5 %; kWh per tonne melted; metal yield.",
        ("SHF",),
    ),
    Proc(
        "machining",
        "Machining",
        "Machine castings to drawing in the CNC cells.",
        "tom",
        "Castings, programs, fixtures, tooling.",
        "Machined parts, swarf, spent coolant.",
        "First-off approved before each batch; SPC on critical bores.",
        "Machining scrap below 1 %; OEE above 70 %.",
        ("SHF",),
    ),
    Proc(
        "inspection",
        "Inspection and release",
        "Make sure only conforming parts leave us.",
        "helen",
        "Machined parts, control plans, X-ray and CMM programs.",
        "Released parts, certificates of conformity, nonconformity reports.",
        "Release only against a complete route card and inspection record.",
        "Customer PPM below 250; escapes: none.",
        ("SHF", "ROT"),
    ),
    Proc(
        "maintenance",
        "Maintenance",
        "Keep furnaces, die-casting cells, CNC machines and the building safe and available.",
        "tom",
        "Maintenance plan, breakdown calls, spare parts.",
        "Available equipment, maintenance records, waste oil.",
        "Planned maintenance done in the week it falls due.",
        "Planned maintenance on time above 90 %; breakdown hours per month.",
    ),
    Proc(
        "environment",
        "Waste and environmental management",
        "Keep our permit and consents, handle waste within the law and cut energy, sand and water use.",
        "priya",
        "Waste from every process, meter readings, permit and consent conditions.",
        "Waste transfer notes, permit returns, energy and waste figures, compliance evaluations.",
        "No breach of permit or consent; every waste movement documented.",
        "Foundry sand recycled above 60 %; kWh per tonne; water per tonne.",
    ),
    Proc(
        "review",
        "Management review",
        "Let the directors judge whether the management system works and decide what to change.",
        "mark",
        "Performance figures, audit results, compliance status, risks, customer feedback.",
        "Decisions, objectives, resources, actions.",
        "Held twice a year with every input of both standards covered.",
        "Actions from the review completed on time.",
    ),
]

# (from, to, what flows)
INTERACTIONS: list[tuple[str, str, str]] = [
    ("sales", "purchasing", "Confirmed orders and material requirements"),
    ("sales", "casting", "Production schedule from the order book"),
    ("purchasing", "casting", "Ingot, sand and binders from approved suppliers"),
    ("casting", "machining", "Fettled and heat-treated castings"),
    ("machining", "inspection", "Machined parts with their route cards"),
    ("inspection", "sales", "Released parts and certificates of conformity for delivery"),
    ("maintenance", "casting", "Furnaces and die-casting cells fit for use"),
    ("casting", "environment", "Spent sand, dross, and furnace fuel and emissions data"),
    ("environment", "review", "Waste, energy and compliance figures"),
    ("inspection", "review", "PPM, scrap and complaint figures"),
]


@dataclass(frozen=True)
class Post:
    title: str
    responsibilities: str
    authorities: str
    holders: tuple[str, ...]
    reports_to: str | None = None


ROLES: list[Post] = [
    Post(
        "Managing director",
        "Accountable for the effectiveness of the management system; sets the policy and objectives; "
        "chairs the management review.",
        "Approves budgets, capital spending and the policy.",
        ("mark",),
    ),
    Post(
        "QHSE manager",
        "Runs the integrated management system day to day; reports its performance, including "
        "environmental performance, to the managing director; owns the risk register.",
        "Can stop the release of any part; can stop work that breaches the permit or endangers people.",
        ("helen",),
        reports_to="Managing director",
    ),
    Post(
        "Operations director",
        "Delivers production, purchasing and maintenance to plan; provides the people and equipment the "
        "system needs at both sites.",
        "Approves suppliers, overtime and spending within the operations budget.",
        ("david",),
        reports_to="Managing director",
    ),
    Post(
        "Shift leader",
        "Runs the shift to the control plans; records melt and inspection data; responds first to spills "
        "and other emergencies on shift.",
        "Can quarantine suspect material and stop a machine or furnace.",
        ("tom", "jenny"),
        reports_to="Operations director",
    ),
    Post(
        "Internal auditor",
        "Plans and carries out internal audits under the audit programme; reports findings within five "
        "working days.",
        "Access to every area, record and person needed for the audit.",
        ("helen", "sam"),
        reports_to="QHSE manager",
    ),
]


@dataclass(frozen=True)
class Obligation:
    key: str
    title: str
    source_reference: str
    issuer: str
    summary: str
    activities: str
    sites: tuple[str, ...]
    months: int = 12
    first_due_days: int = 365
    from_need: str = ""  # text of the party requirement it comes from


OBLIGATIONS: list[Obligation] = [
    Obligation(
        "permit",
        "Environmental permit for the melt shop",
        "Environmental permit EPR/NB3471KQ (non-ferrous metal melting)",
        "Environment Agency",
        "Melt only the alloys and tonnages the permit allows, keep the furnace fume extraction working, have "
        "the stack tested for particulates every year, keep an accident plan, and send the annual return "
        "by the end of January.",
        "Melting, holding and degassing at the Sheffield melt shop.",
        ("SHF",),
        from_need="Run the melt shop within the conditions of its environmental permit.",
    ),
    Obligation(
        "duty",
        "Waste duty of care",
        "Environmental Protection Act 1990, section 34, and its code of practice",
        "Environment Agency",
        "Give waste only to carriers and sites that hold the right licence, describe each waste correctly "
        "with its code, stop it escaping while we hold it, and keep the transfer notes for two years "
        "(three for hazardous waste).",
        "Every waste stream at both sites: sand, dross, swarf, coolant, oily rags, packaging.",
        (),
        from_need="Keep to the waste duty of care: licensed carriers, correctly described waste, transfer "
        "notes kept.",
    ),
    Obligation(
        "effluent",
        "Trade effluent consent for the parts washers",
        "Trade effluent consent TE/2019/0442",
        "Yorkshire Water",
        "Wash water from the two parts washers may go to the foul sewer up to 6 m³ a day, with oil and "
        "solids below the limits in the consent; we sample it every quarter and report the volumes.",
        "Parts washing and die cooling at Sheffield.",
        ("SHF",),
        first_due_days=-18,
    ),
    Obligation(
        "fgas",
        "F-gas rules for the process chillers",
        "Fluorinated Greenhouse Gases Regulations 2015 (as amended)",
        "Environment Agency",
        "The two chillers hold R410A above the threshold: leak checks by a certified engineer every "
        "twelve months, a record of refrigerant added or recovered, and recovery only by a certified "
        "company.",
        "Die and machine cooling chillers at Sheffield.",
        ("SHF",),
        first_due_days=60,
    ),
    Obligation(
        "packaging",
        "Packaging regulations",
        "Packaging extended producer responsibility regulations (England)",
        "Department for Environment, Food & Rural Affairs",
        "As a company handling more than 50 tonnes of packaging a year, record the packaging we supply with "
        "our parts by material, report it twice a year and pay the fees due.",
        "Packing parts for delivery at Rotherham.",
        ("ROT",),
        first_due_days=150,
    ),
]


@dataclass(frozen=True)
class AspectSpec:
    key: str
    activity: str
    aspect: str
    impact: str
    scores: tuple[int, int, int, int, int]  # severity, probability, extent, legal, concern
    existing_controls: str
    owner: str
    sites: tuple[str, ...]
    condition: str = "normal"
    lifecycle_stage: str = "production"
    obligations: tuple[str, ...] = ()


ASPECTS: list[AspectSpec] = [
    AspectSpec(
        "energy",
        "Melting and holding aluminium",
        "Gas and electricity used by the furnaces",
        "Greenhouse gas emissions and use of fossil fuels",
        (4, 5, 3, 2, 3),
        "Furnace lids kept closed; holding furnaces turned down at weekends; monthly meter readings.",
        "tom",
        ("SHF",),
    ),
    AspectSpec(
        "sand",
        "Core making and shake-out",
        "Spent foundry sand sent off site",
        "Landfill space used; dust if stored uncovered",
        (3, 5, 2, 3, 2),
        "Covered sand bay; about 40 % recovered by Yorkshire Sand Recovery, the rest landfilled.",
        "priya",
        ("SHF",),
        obligations=("duty",),
    ),
    AspectSpec(
        "emissions",
        "Melting and degassing",
        "Fume and particulates from the furnace stacks",
        "Local air quality; smell for the neighbours",
        (3, 4, 2, 4, 3),
        "Fume extraction with bag filter; annual stack test; filter pressure checked each shift.",
        "tom",
        ("SHF",),
        obligations=("permit",),
    ),
    AspectSpec(
        "spill",
        "Hydraulic power packs of the die-casting cells",
        "Burst hose spilling hydraulic oil",
        "Oil reaching the yard drain and the River Don",
        (4, 1, 2, 2, 2),
        "Drip trays under the power packs; spill kits at each cell; hoses changed every two years.",
        "tom",
        ("SHF",),
        condition="emergency",
    ),
    AspectSpec(
        "noise",
        "Fettling, shot blasting and deliveries",
        "Noise at the site boundary",
        "Disturbance to the houses on Carlisle Street",
        (2, 3, 1, 2, 3),
        "Fettling shop doors shut after 6 pm; no deliveries before 7 am since the 2025 complaints.",
        "tom",
        ("SHF",),
    ),
    AspectSpec(
        "water",
        "Die cooling and parts washing",
        "Mains water use and wash water to the foul sewer",
        "Use of water; oil and solids in the sewer",
        (2, 4, 1, 1, 1),
        "Closed-loop die cooling; washer water filtered and skimmed before discharge.",
        "priya",
        ("SHF",),
        obligations=("effluent",),
    ),
    AspectSpec(
        "packaging",
        "Packing parts for delivery",
        "Cardboard, film and timber pallets sent to customers",
        "Use of materials and waste at the customer",
        (2, 4, 2, 1, 1),
        "Returnable stillages with one customer; cardboard baled for recycling.",
        "jenny",
        ("ROT",),
        lifecycle_stage="transport",
    ),
]


@dataclass(frozen=True)
class RiskSpec:
    title: str
    description: str
    standards: tuple[str, ...]
    source: tuple[str, str] | None  # ("issue" | "party" | "process" | "aspect", key)
    likelihood: int
    consequence: int
    owner: str
    creator: str
    review_days: int
    kind: str = "risk"
    cause: str = ""
    effect: str = ""
    existing_controls: str = ""
    treatment: str = ""
    residual: tuple[int, int] | None = None
    action: tuple[str, str, int, str] | None = None  # title, owner, due in days, priority
    treated: bool = False


RISKS: list[RiskSpec] = [
    RiskSpec(
        "Customers move platforms to suppliers with product carbon data",
        "Both tier 1 customers will score suppliers on carbon data from the 2027 sourcing rounds.",
        ("9001", "14001"),
        ("party", "customers"),
        3,
        4,
        "helen",
        "helen",
        -6,  # the review is overdue: it shows in Helen's work
        cause="No footprint method; energy and material data not collected per part.",
        effect="Lost quotes for the battery-housing platforms; about £2m of sales at risk.",
        existing_controls="Site energy and waste figures collected monthly.",
        treatment="mitigate",
        residual=(2, 4),
        action=("Calculate the carbon footprint of the ten highest-volume parts", "helen", 75, "high"),
    ),
    RiskSpec(
        "Energy price rise makes castings unprofitable",
        "",
        ("9001", "14001"),
        ("issue", "energy"),
        4,
        4,
        "david",
        "david",
        90,
        cause="Gas and electricity bought on short contracts; inefficient crucible furnaces.",
        effect="Margin on fixed-price contracts falls below the parent company's target.",
        existing_controls="Energy surcharge clause in new contracts since 2024.",
        treatment="mitigate",
        residual=(3, 4),
        action=("Fix 70 % of next year's gas volume on a forward contract", "david", 30, "medium"),
    ),
    RiskSpec(
        "Heat stress at the furnaces during heatwaves",
        "",
        ("9001",),
        ("issue", "heat"),
        3,
        3,
        "tom",
        "helen",
        120,
        cause="Melt shop above 35 °C on hot days; no cooling at the furnace platform.",
        effect="Operator mistakes in pouring, shortened shifts, late deliveries.",
        existing_controls="Job rotation every 30 minutes above 32 °C; cool drinking water at the platform.",
        treatment="mitigate",
        residual=(2, 3),
        action=("Install spot coolers and reflective screens at the furnace platform", "tom", 45, "high"),
    ),
    RiskSpec(
        "Hydraulic oil reaches the River Don",
        "",
        ("14001",),
        ("aspect", "spill"),
        2,
        5,
        "priya",
        "priya",
        150,
        cause="Burst hose on a die-casting cell during a night shift; yard drain not covered.",
        effect="Pollution of the river, Environment Agency enforcement, clean-up cost.",
        existing_controls="Drip trays and spill kits at each cell; new bund for the coolant store.",
        treatment="mitigate",
        residual=(1, 5),
        treated=True,
    ),
    RiskSpec(
        "Porous castings escape to the customer",
        "",
        ("9001",),
        ("process", "inspection"),
        3,
        4,
        "helen",
        "helen",
        60,
        cause="X-ray sampling plan based on batches, not on the cavity that causes the porosity.",
        effect="Rejects at the customer's machining line, 8D, possible controlled shipping.",
        existing_controls="100 % X-ray on safety parts; sampling on the rest.",
    ),
    RiskSpec(
        "Single source for aluminium ingot",
        "",
        ("9001",),
        ("party", "suppliers"),
        2,
        4,
        "david",
        "david",
        180,
        cause="One smelter qualified for LM25 with the customers.",
        effect="Production stops within two weeks if the smelter cannot deliver.",
        existing_controls="Three weeks of ingot stock at Sheffield.",
        treatment="accept",
    ),
    RiskSpec(
        "Melting know-how lost when senior melters retire",
        "",
        ("9001",),
        ("issue", "skills"),
        4,
        3,
        "david",
        "helen",
        90,
        cause="Know-how not written down; no apprentices in the melt shop.",
        effect="More scrap and gas porosity after 2027.",
    ),
    RiskSpec(
        "Recycled-content alloy for lower-carbon castings",
        "Offer a secondary LM25 alloy with 80 % recycled content to the automotive customers.",
        ("9001", "14001"),
        ("issue", "decarbonise"),
        3,
        4,
        "helen",
        "helen",
        120,
        kind="opportunity",
        treatment="pursue",
    ),
    RiskSpec(
        "Reclaim foundry sand on site",
        "A thermal sand reclaimer would reuse most of the sand instead of sending it away.",
        ("14001",),
        ("aspect", "sand"),
        3,
        3,
        "priya",
        "priya",
        150,
        kind="opportunity",
        treatment="pursue",
        action=("Get two quotations and a payback case for a sand reclaimer", "priya", 60, "medium"),
    ),
]


def _standards() -> dict[str, Any]:
    from integrum.standards.models import Standard

    found = {
        s.code.removeprefix("ISO "): s
        for s in Standard.objects.filter(code__in=["ISO 9001", "ISO 14001"], edition="2015")
    }
    if len(found) < 2:
        raise CommandError("The standards library lacks ISO 9001:2015 or ISO 14001:2015.")
    return found


def seed_registers(organisation: Organisation, users: dict[str, User], today: datetime.date) -> None:
    """Northwind's planning registers: context, parties, scopes, processes, roles, obligations,
    aspects and risks, each linked where the standards link them."""
    sites = {site.code: site for site in Site.objects.filter(organisation=organisation)}
    standards = _standards()
    sources: dict[tuple[str, str], Any] = {}
    sources.update(_seed_context(organisation, users, today, standards))
    obligations = _seed_obligations(organisation, users, today, sites)
    _seed_scopes(organisation, users, sites, standards)
    sources.update(_seed_processes(organisation, users, sites))
    sources.update(_seed_aspects(organisation, users, sites, obligations))
    _seed_evaluations(users, today, obligations)
    _seed_risks(organisation, users, today, standards, sources)


def _seed_context(
    organisation: Organisation, users: dict[str, User], today: datetime.date, standards: dict[str, Any]
) -> dict[tuple[str, str], Any]:
    from integrum.context.services import (
        climate_determination_set,
        context_issue_create,
        interested_party_create,
        party_requirement_create,
    )

    made: dict[tuple[str, str], Any] = {}
    helen = users["helen"]
    with acting_as(helen):
        for spec in ISSUES:
            made[("issue", spec.key)] = context_issue_create(
                organisation=organisation,
                title=spec.title,
                description=spec.description,
                origin=spec.origin,
                category=spec.category,
                standards=[standards[code] for code in spec.standards],
                effect=spec.effect,
                environmental_condition=spec.environmental_condition,
                climate_related=spec.climate_related,
                owner=users[spec.owner],
                review_date=today + datetime.timedelta(days=spec.review_days),
            )
        climate_determination_set(
            organisation=organisation,
            relevant=True,
            rationale=CLIMATE_RATIONALE,
            decided_by=helen,
            decided_on=today - datetime.timedelta(days=10),
        )
        for party in PARTIES:
            record = interested_party_create(
                organisation=organisation,
                name=party.name,
                origin=party.origin,
                kind=party.kind,
                description=party.description,
                climate_related=party.climate_related,
                standards=[standards[code] for code in party.standards],
            )
            made[("party", party.key)] = record
            for need in party.needs:
                party_requirement_create(
                    party=record,
                    text=need.text,
                    adopted=need.adopted,
                    becomes_obligation=need.becomes_obligation,
                    climate_related=need.climate_related,
                    notes=need.notes,
                )
    return made


def _seed_obligations(
    organisation: Organisation, users: dict[str, User], today: datetime.date, sites: dict[str, Site]
) -> dict[str, Any]:
    from integrum.context.models import PartyRequirement
    from integrum.environment.models import ComplianceObligation
    from integrum.environment.services import (
        obligation_create,
        obligation_from_requirement,
        obligation_update,
    )

    priya = users["priya"]
    made: dict[str, ComplianceObligation] = {}
    with acting_as(priya):
        for spec in OBLIGATIONS:
            details: dict[str, Any] = {
                "source_reference": spec.source_reference,
                "jurisdiction": "England",
                "issuer": spec.issuer,
                "summary": spec.summary,
                "activities": spec.activities,
                "evaluation_frequency_months": spec.months,
            }
            if spec.from_need:
                # One step from the Environment Agency's requirement, then written up properly.
                requirement = PartyRequirement.objects.get(organisation=organisation, text=spec.from_need)
                obligation = obligation_from_requirement(requirement=requirement, user=priya)
                obligation = obligation_update(
                    obligation=obligation,
                    version=obligation.version,
                    sites=[sites[code] for code in spec.sites],
                    title=spec.title,
                    kind=ComplianceObligation.Kind.LEGAL,
                    **details,
                )
            else:
                obligation = obligation_create(
                    organisation=organisation,
                    title=spec.title,
                    sites=[sites[code] for code in spec.sites],
                    first_evaluation_due=today + datetime.timedelta(days=spec.first_due_days),
                    kind=ComplianceObligation.Kind.LEGAL,
                    owner=priya,
                    **details,
                )
            made[spec.key] = obligation
    return made


def _seed_scopes(
    organisation: Organisation, users: dict[str, User], sites: dict[str, Site], standards: dict[str, Any]
) -> None:
    from integrum.context.services import scope_create, scope_exclusion_add
    from integrum.standards.models import Clause

    both = [sites["SHF"], sites["ROT"]]
    with acting_as(users["helen"]):
        quality = scope_create(
            organisation=organisation,
            standard=standards["9001"],
            statement=SCOPE_9001,
            sites=both,
            products_services=PRODUCTS,
            boundaries=BOUNDARIES,
        )
        design = Clause.objects.filter(standard=standards["9001"], number="8.3").first()
        if design is not None:
            scope_exclusion_add(scope=quality, clause=design, justification=NO_DESIGN)
        scope_create(
            organisation=organisation,
            standard=standards["14001"],
            statement=SCOPE_14001,
            sites=both,
            products_services=PRODUCTS,
            lifecycle=LIFECYCLE,
            boundaries=BOUNDARIES,
        )


def _seed_processes(
    organisation: Organisation, users: dict[str, User], sites: dict[str, Site]
) -> dict[tuple[str, str], Any]:
    from integrum.context.models import OrganisationalRole
    from integrum.context.services import organisational_role_create, process_create, process_interaction_add

    made: dict[tuple[str, str], Any] = {}
    with acting_as(users["helen"]):
        for spec in PROCESSES:
            made[("process", spec.key)] = process_create(
                organisation=organisation,
                name=spec.name,
                purpose=spec.purpose,
                owner=users[spec.owner],
                inputs=spec.inputs,
                outputs=spec.outputs,
                criteria=spec.criteria,
                kpis=spec.kpis,
                sites=[sites[code] for code in spec.sites],
            )
        for source, target, flows in INTERACTIONS:
            process_interaction_add(
                from_process=made[("process", source)], to_process=made[("process", target)], flows=flows
            )
        roles: dict[str, OrganisationalRole] = {}
        for post in ROLES:
            roles[post.title] = organisational_role_create(
                organisation=organisation,
                title=post.title,
                responsibilities=post.responsibilities,
                authorities=post.authorities,
                reports_to=roles[post.reports_to] if post.reports_to else None,
                holders=[users[key] for key in post.holders],
            )
    return made


def _seed_aspects(
    organisation: Organisation, users: dict[str, User], sites: dict[str, Site], obligations: dict[str, Any]
) -> dict[tuple[str, str], Any]:
    from integrum.environment.services import aspect_create, aspect_score, significance_method_current

    made: dict[tuple[str, str], Any] = {}
    priya = users["priya"]
    with acting_as(priya):
        method = significance_method_current(organisation)
        keys = method.criterion_keys
        for spec in ASPECTS:
            aspect = aspect_create(
                organisation=organisation,
                activity=spec.activity,
                aspect=spec.aspect,
                impact=spec.impact,
                sites=[sites[code] for code in spec.sites],
                obligations=[obligations[key] for key in spec.obligations],
                condition=spec.condition,
                lifecycle_stage=spec.lifecycle_stage,
                existing_controls=spec.existing_controls,
                owner=users[spec.owner],
            )
            aspect_score(aspect, scores=dict(zip(keys, spec.scores, strict=True)), method=method, user=priya)
            made[("aspect", spec.key)] = aspect
    return made


def _seed_evaluations(users: dict[str, User], today: datetime.date, obligations: dict[str, Any]) -> None:
    """The permit was found compliant, the duty of care only partly (its action is raised at once);
    the trade effluent evaluation is overdue from its first scheduling."""
    from integrum.environment.services import evaluation_complete, evaluation_update

    results = [
        (
            "permit",
            "compliant",
            9,
            "Annual return sent on 24 January. Stack test of March: particulates at a third of the limit. "
            "Shift records show the bag filter pressure checked every shift. The inspector's letter after "
            "the April visit lists no breaches.",
        ),
        (
            "duty",
            "partly",
            4,
            "Sampled twelve transfer notes from the last six months: all three carriers hold current "
            "licences (checked on the public register). Three notes for oily rags have no waste code, and "
            "aluminium swarf from cell 3 was found in the general waste skip.",
        ),
    ]
    priya = users["priya"]
    with acting_as(priya):
        for key, result, days_ago, evidence in results:
            evaluation = obligations[key].evaluations.get()
            # Brought forward from the default date a year out: done as soon as the register existed.
            evaluation_update(
                evaluation=evaluation,
                version=evaluation.version,
                due_date=today - datetime.timedelta(days=days_ago - 2),
            )
            evaluation_complete(
                evaluation=evaluation,
                result=result,
                evidence=evidence,
                user=priya,
                evaluated_on=today - datetime.timedelta(days=days_ago),
            )


def _seed_risks(
    organisation: Organisation,
    users: dict[str, User],
    today: datetime.date,
    standards: dict[str, Any],
    sources: dict[tuple[str, str], Any],
) -> None:
    from integrum.risks.services import risk_action_raise, risk_create, risk_transition

    for spec in RISKS:
        with acting_as(users[spec.creator]):
            risk = risk_create(
                organisation=organisation,
                created_by=users[spec.creator],
                kind=spec.kind,
                title=spec.title,
                description=spec.description,
                standards=[standards[code] for code in spec.standards],
                source=sources[spec.source] if spec.source else None,
                inherent_likelihood=spec.likelihood,
                inherent_consequence=spec.consequence,
                cause=spec.cause,
                effect=spec.effect,
                existing_controls=spec.existing_controls,
                treatment=spec.treatment,
                residual_likelihood=spec.residual[0] if spec.residual else None,
                residual_consequence=spec.residual[1] if spec.residual else None,
                owner=users[spec.owner],
                review_date=today + datetime.timedelta(days=spec.review_days),
            )
        with acting_as(users[spec.owner]):
            if spec.action is not None:
                title, owner, due_days, priority = spec.action
                risk_action_raise(
                    risk=risk,
                    created_by=users[spec.owner],
                    title=title,
                    owner=users[owner],
                    due_date=today + datetime.timedelta(days=due_days),
                    priority=priority,
                )
            if spec.treated:
                risk_transition(risk=risk, to="treated")


REGISTER_MODELS = (
    "context.ContextIssue",
    "context.InterestedParty",
    "context.Scope",
    "context.Process",
    "risks.Risk",
    "environment.Aspect",
    "environment.ComplianceObligation",
)


@transaction.atomic
def add_registers_to(northwind: Organisation) -> bool:
    """Give a demo made before the planning registers its registers; False when any of them has
    content already (ours, or the user's own, which we do not mix demo data into)."""
    from django.apps import apps

    for label in REGISTER_MODELS:
        if apps.get_model(label).objects.filter(organisation=northwind).exists():
            return False
    seed_registers(northwind, _ensure_users(), timezone.localdate())
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
