"""What the CRM demo is made of, in English: the catalogue, the clients, the leads, the deal titles, the notes of
calls and meetings, the settings' names. `texts_ru` says the same in Russian in the same shape (the plan of who
owns what, which stage and when lives in `crm.demo.plan` and is the same in every language)."""

from __future__ import annotations

CURRENCY = "USD"
PHONE_REGION = "US"

# The pipelines and stages: the default "Sales" pipeline keeps the names the CRM starts with; "Store orders"
# gets these (open, open, open, won, lost).
SALES_PIPELINE = "Sales"
SALES_STAGES = ["New", "Qualification", "Proposal", "Negotiation", "Won", "Lost"]
STORE_PIPELINE = "Store orders"
STORE_STAGES = ["New order", "Paid", "Shipped", "Delivered", "Cancelled"]

# (name, SKU, price): what the company sells, in the deals' currency.
PRODUCTS = [
    ("Workstation Pro 15", "WS-PRO-15", "1450.00"),
    ("Workstation Lite 13", "WS-LITE-13", "890.00"),
    ("27-inch monitor", "MON-27", "320.00"),
    ("Docking station", "DOCK-01", "180.00"),
    ("Wireless keyboard and mouse", "KBM-02", "65.00"),
    ("Office software licence, 1 year", "LIC-OFF-1Y", "120.00"),
    ("Setup and installation, per device", "SRV-SETUP", "45.00"),
    ("Extended warranty, 3 years", "WAR-3Y", "210.00"),
    ("On-site support, a month", "SRV-SUPPORT-M", "950.00"),
    ("Team training day", "SRV-TRAIN", "1200.00"),
]

# (name, industry, employees, address, phone, website): the clients (and a partner and a supplier, see plan).
COMPANIES = [
    ("Orion Logistics", "Logistics", 420, "200 W Adams St, Chicago, IL", "+1 312 555 0140", "orionlogistics.example"),
    ("Bluefield Farms", "Agriculture", 85, "44 Grand Ave, Des Moines, IA", "+1 515 555 0122", "bluefieldfarms.example"),
    ("Helix Pharma", "Pharmaceuticals", 1200, "10 Summer St, Boston, MA", "+1 617 555 0175", "helixpharma.example"),
    ("Cobalt Mining", "Mining", 650, "1600 Broadway, Denver, CO", "+1 303 555 0188", "cobaltmining.example"),
    ("Vega Travel", "Travel", 60, "75 Biscayne Blvd, Miami, FL", "+1 305 555 0113", "vegatravel.example"),
    ("Summit Foods", "Food production", 300, "81 S 9th St, Minneapolis, MN", "+1 612 555 0166", "summitfoods.example"),
    ("Crescent Bank", "Banking", 2100, "120 Wall St, New York, NY", "+1 212 555 0190", "crescentbank.example"),
    ("Ironwood Tools", "Manufacturing", 240, "1300 E 9th St, Cleveland, OH", "+1 216 555 0131", "ironwoodtools.example"),
    ("Lumina Energy", "Energy", 900, "700 Louisiana St, Houston, TX", "+1 713 555 0157", "luminaenergy.example"),
    ("Quartz Media", "Media", 45, "6255 Sunset Blvd, Los Angeles, CA", "+1 323 555 0108", "quartzmedia.example"),
    ("Redwood Clinics", "Healthcare", 380, "1120 NW Couch St, Portland, OR", "+1 503 555 0149", "redwoodclinics.example"),
    ("Sapphire Hotels", "Hospitality", 1500, "3600 Las Vegas Blvd, Las Vegas, NV", "+1 702 555 0184", "sapphirehotels.example"),
    ("Tundra Outdoor", "Retail", 120, "1500 4th Ave, Seattle, WA", "+1 206 555 0126", "tundraoutdoor.example"),
    ("Pixel Partners", "IT services", 25, "500 W 2nd St, Austin, TX", "+1 512 555 0171", "pixelpartners.example"),
]  # fmt: skip

# (first name, last name, position): two people at each company, in the order of COMPANIES, then private
# customers (no company).
CONTACTS = [
    ("James", "Carter", "Operations Director"), ("Linda", "Moss", "Procurement Manager"),
    ("Robert", "Hayes", "Farm Manager"), ("Susan", "Price", "Office Manager"),
    ("Michael", "Chen", "IT Director"), ("Karen", "Bell", "Head of Procurement"),
    ("David", "Young", "Chief Financial Officer"), ("Nancy", "Ward", "IT Coordinator"),
    ("Thomas", "Reed", "Managing Director"), ("Lisa", "Gray", "Office Administrator"),
    ("Charles", "Brooks", "Head of IT"), ("Betty", "Foster", "Purchasing Specialist"),
    ("Daniel", "Kim", "Chief Information Officer"), ("Sandra", "Perry", "Vendor Manager"),
    ("Mark", "Russell", "Plant Manager"), ("Ashley", "Long", "Buyer"),
    ("Steven", "Ross", "VP of Operations"), ("Emily", "Hughes", "IT Project Manager"),
    ("Paul", "Powell", "Founder"), ("Laura", "Jenkins", "Producer"),
    ("Kevin", "Barnes", "IT Manager"), ("Rachel", "Fisher", "Clinic Administrator"),
    ("Brian", "Sanders", "Director of Technology"), ("Amy", "Coleman", "Procurement Lead"),
    ("Jason", "Patterson", "Store Operations Manager"), ("Megan", "Butler", "Finance Manager"),
    ("Ryan", "Simmons", "Partner"), ("Olivia", "Bryant", "Account Manager"),
    ("Peter", "Wallace", "Freelance architect"), ("Hannah", "Cole", "Photographer"),
    ("George", "Stone", "Consultant"), ("Julia", "Hart", "Translator"),
]  # fmt: skip

# Deal titles: `{company}`, `{product}` filled in.
DEAL_TITLES = [
    "{product} for {company}",
    "{company}: annual renewal",
    "{company}: pilot for the new office",
    "Equipment refresh at {company}",
    "{company}: {product} upgrade",
    "{company}: support contract",
]
PRIVATE_DEAL_TITLE = "{product} for {person}"

# (first, last, company name, what they asked): the leads, in the order of `plan.LEADS`.
LEADS = [
    ("Victoria", "Lane", "Northgate Schools", "30 laptops for the new classrooms"),
    ("Samuel", "Ortiz", "Ortiz & Sons Bakery", "A quote for two workstations"),
    ("Grace", "Kelly", "Harbor Dental", "Monitors for the reception"),
    ("Henry", "Walsh", "", "Home office setup"),
    ("Sophie", "Turner", "Brightline Architects", "Support contract for 15 people"),
    ("Adrian", "Black", "Maple Insurance", "Training day for the new team"),
    ("Chloe", "Adams", "Riverside Library", "Public computers, 10 seats"),
    ("Nathan", "Price", "Apex Fitness", "Replacement docking stations"),
    ("Isabel", "Ramos", "Sunrise Hostels", "Laptops for the front desks"),
    ("Lucas", "Meyer", "Meyer Consulting", "Licences for a small office"),
    ("Ella", "Grant", "", "Question about the warranty"),
    ("Oscar", "Reid", "Pinecrest Realty", "Equipment for a new branch"),
    ("Mila", "Novak", "Cedar Legal", "Monitors and keyboards, 8 sets"),
    ("Leo", "Hart", "", "Unsubscribe me"),
    ("Ava", "Brooks", "Coastline Cafe", "A laptop for the manager"),
    ("Ivy", "Chen", "Granite Builders", "Rugged laptops for the site"),
]
JUNK_REASONS = [
    "Not a buyer: asked to be removed from the mailing list.",
    "A duplicate of an existing request.",
]
MAILBOX_SOURCE = "Sales inbox"
IMPORT_SOURCE = "Trade fair list.xlsx"
CALL_SOURCE = "Office PBX"
STORE_SOURCE = "Online store"

# Activities: (kind, subject). Calls and meetings done; the planned ones name the next step.
DONE_ACTIVITIES = [
    ("call", "Discovery call: needs and budget"),
    ("meeting", "Demo of the workstations at their office"),
    ("email", "Sent the price list and the delivery terms"),
    ("call", "Follow-up on the proposal"),
    ("meeting", "Meeting with the procurement team"),
    ("call", "Clarified the number of seats"),
    ("email", "They sent their requirements"),
]
PLANNED_ACTIVITIES = [
    ("todo", "Send the revised proposal"),
    ("call", "Call back about the decision"),
    ("meeting", "Contract meeting"),
    ("todo", "Prepare the delivery schedule"),
    ("todo", "Check the discount with the head of sales"),
]
OVERDUE_TODO = "Send the signed contract to accounting"
LOST_REASONS = ["Chose a cheaper offer", "The project was postponed", "No budget this year"]
LEAD_CALL = ("call", "First call: what they need")
COMMENTS = [
    "They decide at the board meeting next week; the CFO has the last word.",
    "Asked for a 5% discount if we deliver before the end of the month.",
    "Competitor offered a lower price but no on-site support.",
]

# The settings pages.
WEBFORM = {
    "name": "Contact us (website)",
    "title": "Ask for a quote",
    "thank_you": "Thank you! A sales manager will call you back within a working day.",
    "fields": [
        ("name", "Your name", "first_name", "text", True),
        ("company", "Company", "company_name", "text", False),
        ("email", "E-mail", "email", "email", True),
        ("phone", "Phone", "phone", "phone", False),
        ("message", "What do you need?", "comment", "textarea", True),
    ],
    # Two visitors who sent it: (name, company, e-mail, phone, message).
    "submissions": [
        ("Diana Flores", "Flores Design Studio", "diana@floresdesign.example", "+1 415 555 0139",
         "Three workstations for designers, with big monitors."),
        ("Marcus Lee", "", "marcus.lee@example.com", "",
         "Do you deliver to Canada?"),
    ],
}  # fmt: skip
STORE = {"name": "Online store (WooCommerce)", "site": "https://shop.northwind.example"}
MAILBOX = {
    "name": "Sales inbox",
    "host": "imap.northwind.example",
    "login": "sales@northwind.example",
    "note": "Demo mailbox, not connected: enter your IMAP server, login and password, then turn it on.",
}
PBX = {"name": "Office PBX"}
# Store orders: (first, last, e-mail, phone, city): customers of the web shop, two of them known contacts.
STORE_CUSTOMERS = [
    ("Brenda", "Wolfe", "brenda.wolfe@example.com", "+1 646 555 0117"),
    ("Frank", "Miller", "frank.miller@example.com", "+1 773 555 0154"),
    ("Carol", "Diaz", "carol.diaz@example.com", "+1 702 555 0161"),
    ("Howard", "Kent", "howard.kent@example.com", "+1 404 555 0193"),
]
