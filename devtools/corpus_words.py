"""The fixed vocabulary `generate_corpus` writes with, most frequent first.

Function words lead, as in any English text; then the words an MSP's procedures are made of,
roughly from everyday to specialised. `vocabulary()` appends a long tail of host names,
ticket numbers and error codes, so that rare words are rare, as they are in real manuals.
"""


def _words(text: str) -> list[str]:
    return text.split()


FUNCTION_WORDS = _words("""
the to and a of in for is on that with be it as this by are or at from if not before after
each all any your their when then should must can will may into out up do does has have was
were been its them they we you our there which what who how than also only both more most
other such some no so but about over under through during until while where same new first
""")

# Everyday words of the trade, most frequent first.
COMMON_WORDS = _words("""
client server ticket backup user check system network account email password access service
team technician support data device update time issue record report policy file contract
manager request security call change process invoice license setup console job restore
schedule monitor alert log site office customer remote patch test review note step list
document agent portal vendor hardware software laptop printer firewall router switch phone
onboarding offboarding escalation priority response resolution task project quote order
billing payment price plan meeting training template checklist folder share drive disk
storage cloud tenant domain certificate identity admin group role permission audit risk
incident problem outage maintenance window approval owner contact address name number date
""")

# Less frequent, more specialised words.
SPECIALISED_WORDS = _words("""
active directory azure exchange microsoft office365 sharepoint teams onedrive intune autopilot
entra conditional mfa authenticator token sso saml oauth ldap kerberos dns dhcp ntp smtp imap
vpn wireguard ipsec vlan subnet gateway proxy nat port cable rack ups battery generator power
cooling temperature humidity sensor camera badge door lock key vault secret rotation expiry
renewal warranty asset inventory serial model firmware bios uefi driver image deployment
provisioning enrolment compliance baseline hardening benchmark encryption bitlocker tpm
antivirus edr xdr siem soc phishing malware ransomware quarantine isolation forensic evidence
retention archive snapshot replication failover failback recovery continuity disaster rto
rpo sla kpi metric dashboard threshold capacity utilisation latency bandwidth throughput
packet loss jitter voip sip trunk extension voicemail queue hunt ivr fax scanner copier toner
paper tray label spool print rmm psa documentation runbook playbook procedure standard
guideline exception waiver variance deviation finding remediation mitigation control
framework iso soc2 hipaa pci gdpr nist cis essential eight cyber insurance claim
underwriter renewal premium excess liability indemnity clause term termination notice
handover transition kickoff discovery assessment proposal scope statement work milestone
deliverable acceptance signoff feedback survey satisfaction nps churn retention upsell
crosssell pipeline lead prospect opportunity forecast revenue margin cost budget expense
purchase procurement supplier distributor reseller partner margin discount rebate credit
debit refund dispute collection overdue reminder statement reconciliation ledger journal
payroll timesheet leave roster shift overtime oncall afterhours weekend holiday coverage
handoff briefing standup retrospective lesson improvement kaizen metric target goal
objective career mentor coaching interview hiring induction probation appraisal promotion
resignation exit knowledge article wiki faq howto guide tutorial video recording webinar
newsletter announcement bulletin notification banner message chat channel thread reply
mention status page uptime downtime degradation maintenance planned unplanned emergency
rollback rollout pilot canary staging production development sandbox lab environment
virtual machine host cluster node hypervisor vmware hyperv proxmox container docker
kubernetes pod volume mount share permission ntfs acl inheritance owner group membership
nested distribution mailbox alias forwarding transport rule connector relay spam filter
quarantine release allowlist blocklist dmarc dkim spf record zone registrar nameserver
propagation ttl cname mx txt srv ptr reverse lookup forward resolver cache flush ping
traceroute nslookup dig curl powershell script scheduled task cron service restart reboot
shutdown startup login logon logoff session profile roaming redirection gpo policy
object registry key value setting preference default override exclusion inclusion scope
filter query search index report export import csv spreadsheet pdf signature stamp seal
wifi wireless access point ssid radius guest captive portal roaming channel interference
survey heatmap antenna mesh controller license subscription seat renewal true-up audit
microsoft adobe autodesk intuit xero quickbooks sage myob salesforce hubspot zendesk
connectwise autotask halo kaseya ninja datto veeam acronis synology qnap netgear ubiquiti
fortinet sonicwall meraki cisco aruba juniper palo sophos eset sentinelone crowdstrike
huntress bitdefender webroot malwarebytes okta duo keeper bitwarden lastpass onepassword
dell lenovo hp apple macbook imac ipad iphone android samsung pixel chromebook surface
monitor dock keyboard mouse headset webcam speaker microphone cable adapter charger
""")

VERBS = _words("""
Configure Restore Onboard Offboard Audit Patch Rotate Review Escalate Document Decommission
Migrate Monitor Test Renew Reset Install Update Replace Verify Prepare Plan Handle Approve
Report Archive Enrol Provision Register Schedule Rebuild Recover Secure Harden Clean Inspect
""")

SHARED_TITLES = ["Intro Notes", "Overview", "Checklist", "Quick Reference", "Glossary"]


def vocabulary() -> list[str]:
    """Return the whole vocabulary, most frequent first, the same on every call."""
    import random

    rng = random.Random(20260101)  # fixed: the vocabulary never depends on --seed
    words: list[str] = []
    # Function words and the commonest trade words interleave, as in real text.
    common = list(COMMON_WORDS)
    for index, word in enumerate(FUNCTION_WORDS):
        words.append(word)
        if index % 2 == 1 and common:
            words.append(common.pop(0))
    words.extend(common)
    seen = set(words)
    words.extend(w for w in dict.fromkeys(SPECIALISED_WORDS) if w not in seen)
    letters = "abcdefghjkmnpqrstuvwxyz"
    tail = set()
    while len(tail) < 4000:
        kind = rng.randrange(4)
        if kind == 0:
            tail.add("srv-" + "".join(rng.choices(letters, k=3)) + str(rng.randrange(10, 99)))
        elif kind == 1:
            tail.add(f"kb{rng.randrange(100000, 999999)}")
        elif kind == 2:
            tail.add(f"0x{rng.randrange(0x80000000, 0x8FFFFFFF):08x}")
        else:
            tail.add("".join(rng.choices(letters, k=rng.randrange(6, 10))))
    tail_words = sorted(tail - set(words))
    rng.shuffle(tail_words)
    words.extend(tail_words)
    return words
