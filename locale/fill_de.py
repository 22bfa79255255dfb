"""Fill German translations into locale/de/LC_MESSAGES/django.po (run after makemessages,
then `python manage.py compilemessages`). Keeps existing translations; adds the ones below.
No external dependency: a small parser for the entries makemessages writes."""

from __future__ import annotations

import re
import sys
from pathlib import Path

DE: dict[str, str | tuple[str, str]] = {
    # chrome
    "Skip to content": "Zum Inhalt springen", "Main": "Hauptmenü", "Home": "Start", "People": "Personen",
    "Admin": "Verwaltung", "Log out": "Abmelden", "Hello, %(name)s": "Hallo, %(name)s",
    "Your login has no employee record.": "Ihr Login hat keinen Mitarbeiterdatensatz.",
    "You are signed in as an administrator.": "Sie sind als Administrator angemeldet.",
    "%(n)s request is waiting for your decision.": (
        "%(n)s Antrag wartet auf Ihre Entscheidung.", "%(n)s Anträge warten auf Ihre Entscheidung."),
    # accounts
    "My requests waiting for a decision": "Meine offenen Anträge",
    "Language": "Sprache", "As my browser says": "Wie im Browser eingestellt", "Requests": "Anträge",
    "Approve": "Genehmigen", "Reject": "Ablehnen", "Return": "Zurückgeben", "Comment": "Kommentar",
    "One of the requests is no longer waiting for you; reload the inbox.":
        "Einer der Anträge wartet nicht mehr auf Sie; laden Sie den Eingang neu.",
    "Say what to change when returning a request.": "Sagen Sie beim Zurückgeben, was geändert werden soll.",
    "Inbox": "Eingang", "Language saved.": "Sprache gespeichert.",
    "%(count)d request(s) decided.": "%(count)d Antrag/Anträge entschieden.",
    "Waiting for my decision": "Wartet auf meine Entscheidung", "Filter by kind": "Nach Art filtern", "All": "Alle",
    "Requests waiting for my decision": "Anträge, die auf meine Entscheidung warten", "Select": "Auswählen",
    "Kind": "Art", "From": "Von", "Request": "Antrag", "Waiting since": "Wartet seit",
    "level %(n)s of %(total)s": "Stufe %(n)s von %(total)s",
    "Comment (required to return)": "Kommentar (zum Zurückgeben nötig)",
    "Approve selected": "Auswahl genehmigen", "Reject selected": "Auswahl ablehnen",
    "Return selected": "Auswahl zurückgeben", "Nothing is waiting for you.": "Nichts wartet auf Sie.",
    "Profile": "Profil", "Personal details": "Persönliche Angaben", "Login": "Login", "Role": "Rolle",
    "Name": "Name", "Personnel number": "Personalnummer", "Email": "E-Mail", "Department": "Abteilung",
    "Manager": "Vorgesetzte(r)", "Location": "Standort", "Time zone": "Zeitzone",
    "HR keeps these details; ask them to correct anything wrong.":
        "Diese Angaben pflegt die Personalabteilung; bitten Sie sie um Korrekturen.",
    "Change password": "Passwort ändern", "Notification preferences": "Benachrichtigungen",
    "Save language": "Sprache speichern", "API tokens": "API-Tokens", "Your new token": "Ihr neues Token",
    "copy it now; it will not be shown again.": "kopieren Sie es jetzt; es wird nicht noch einmal angezeigt.",
    "Token": "Token", "Scopes": "Berechtigungen", "Created": "Erstellt", "Expires": "Läuft ab",
    "Last used": "Zuletzt benutzt", "Actions": "Aktionen", "never": "nie", "revoked": "widerrufen",
    "Revoke": "Widerrufen", "No tokens yet.": "Noch keine Tokens.", "New token": "Neues Token",
    "Create token": "Token erstellen",
    # attendance
    "Attendance": "Anwesenheit", "Team today": "Team heute", "Team register": "Teamübersicht",
    "Unknown direction.": "Unbekannte Richtung.", "Clocked in": "Eingestempelt", "Clocked out": "Ausgestempelt",
    "Punch recorded": "Buchung erfasst", "%(what)s at %(time)s.": "%(what)s um %(time)s.",
    "Clocking in from the browser is allowed only from %(location)s's network; your address is %(address)s.":
        "Einstempeln im Browser ist nur aus dem Netz von %(location)s erlaubt; Ihre Adresse ist %(address)s.",
    "Month calendar": "Monatskalender", "Mon": "Mo", "Tue": "Di", "Wed": "Mi", "Thu": "Do", "Fri": "Fr",
    "Sat": "Sa", "Sun": "So", "A time clock may still hold punches for this day.":
        "Ein Zeiterfassungsgerät kann für diesen Tag noch Buchungen haben.",
    "provisional": "vorläufig", "late %(m)s min": "%(m)s Min. verspätet", "+%(m)s min": "+%(m)s Min.",
    "Request a correction for": "Korrektur beantragen für", "Correct": "Korrigieren", "Today": "Heute",
    "since %(since)s": "seit %(since)s", "Not clocked in": "Nicht eingestempelt",
    "last punch at %(at)s": "letzte Buchung um %(at)s", "Clock out": "Ausstempeln", "Clock in": "Einstempeln",
    "Planned shift": "Geplante Schicht", "None today": "Heute keine", "Status": "Status",
    "%(minutes)s minute late": ("%(minutes)s Minute verspätet", "%(minutes)s Minuten verspätet"),
    "No punch yet": "Noch keine Buchung", "My attendance": "Meine Anwesenheit",
    "Hours worked this month": "Arbeitsstunden diesen Monat", "Show as table": "Als Tabelle zeigen",
    "Date": "Datum", "Worked (min)": "Gearbeitet (Min.)", "Overtime (min)": "Überstunden (Min.)",
    "No attendance this month yet.": "Diesen Monat noch keine Anwesenheit.",
    "Overtime, last 8 weeks": "Überstunden, letzte 8 Wochen", "Week of": "Woche vom",
    "Overtime (h)": "Überstunden (Std.)", "No overtime recorded.": "Keine Überstunden erfasst.", "Month": "Monat",
    "Present": "Anwesend", "Absent": "Abwesend", "Missing punches": "Fehlende Buchungen", "Late": "Verspätet",
    "Overtime": "Überstunden", "Worked": "Gearbeitet", "Day by day": "Tag für Tag",
    "Who is in today": "Wer heute da ist", "Shift": "Schicht", "First in": "Erstes Kommen",
    "Last out": "Letztes Gehen", "%(m)s min": "%(m)s Min.", "Nobody reports to you.": "Niemand ist Ihnen unterstellt.",
    "Off": "Frei", "Not in yet": "Noch nicht da", "On leave": "Abwesend (Urlaub)",
    # leave
    "Leave": "Urlaub", "Team calendar": "Teamkalender", "The leave ends before it starts.":
        "Der Urlaub endet, bevor er beginnt.",
    "Leave is booked per calendar year: split it at 31 December.":
        "Urlaub wird pro Kalenderjahr gebucht: teilen Sie ihn am 31. Dezember.",
    "Choose a leave type and both dates.": "Wählen Sie eine Urlaubsart und beide Daten.",
    "That is more than your balance.": "Das ist mehr als Ihr Guthaben.", "Days counted:": "Gezählte Tage:",
    "Leave ledger": "Urlaubskonto", "Balance": "Saldo", "Pending": "Beantragt", "Available": "Verfügbar",
    "Ledger entries": "Kontobuchungen", "Entry": "Buchung", "Days": "Tage", "Running total": "Laufender Saldo",
    "Note": "Notiz", "No entries for this year.": "Keine Buchungen in diesem Jahr.",
    "Request leave": "Urlaub beantragen", "Check days and balance": "Tage und Saldo prüfen",
    "Send request": "Antrag senden", "Leave %(year)s": "Urlaub %(year)s", "Type": "Art",
    "No leave types yet.": "Noch keine Urlaubsarten.", "Upcoming": "Demnächst", "Public holiday": "Feiertag",
    "Nothing in the next 60 days.": "Nichts in den nächsten 60 Tagen.",
    "This request counts <strong>%(days)s</strong> working day(s) of %(type)s.":
        "Dieser Antrag zählt <strong>%(days)s</strong> Arbeitstag(e) %(type)s.",
    "Available now: %(available)s; after this request: <strong>%(after)s</strong>.":
        "Jetzt verfügbar: %(available)s; nach diesem Antrag: <strong>%(after)s</strong>.",
    # my leave
    "Leave type": "Urlaubsart", "Start date": "Erster Tag", "Start at midday": "Ab Mittag", "End date": "Letzter Tag",
    "End at midday": "Bis Mittag", "Attachment": "Anhang", "Everyone I may see": "Alle, die ich sehen darf",
    "Who": "Wer", "Dates": "Daten", "Reason": "Grund", "Balances %(year)s": "Salden %(year)s",
    "My requests": "Meine Anträge", "No requests yet.": "Noch keine Anträge.", "Calendar feeds": "Kalender-Abos",
    "Subscribe to your leave or your team’s in any calendar app. The address is secret: anyone who has it sees the feed, so it is shown once; revoke it if it leaks.":
        "Abonnieren Sie Ihren Urlaub oder den Ihres Teams in jeder Kalender-App. Die Adresse ist geheim: Wer sie hat, sieht den Kalender; daher wird sie nur einmal angezeigt. Widerrufen Sie sie, falls sie bekannt wird.",
    "Copy this address into your calendar app now; it will not be shown again:":
        "Kopieren Sie diese Adresse jetzt in Ihre Kalender-App; sie wird nicht noch einmal angezeigt:",
    "No feeds.": "Keine Abos.", "Create a feed": "Abo erstellen", "pm": "nachm.", "am": "vorm.",
    # team calendar, people, forms, registration
    "Who is away": "Wer ist abwesend", "All departments": "Alle Abteilungen", "Show": "Anzeigen",
    "Employee": "Mitarbeiter(in)", "No department": "Ohne Abteilung", "Nobody to show.": "Niemand anzuzeigen.",
    "Coloured: approved leave · striped: pending · H: public holiday.":
        "Farbig: genehmigter Urlaub · gestreift: beantragt · H: Feiertag.",
    "Previous month": "Vorheriger Monat", "Next month": "Nächster Monat",
    "Request a correction": "Korrektur beantragen", "Request a shift swap": "Schichttausch beantragen",
    "“Add or correct punches” adds the times you give; “Correct the whole day” replaces the day’s punches with them. Your manager decides.":
        "„Buchungen ergänzen oder korrigieren“ fügt Ihre Zeiten hinzu; „Ganzen Tag korrigieren“ ersetzt die Buchungen des Tages damit. Ihre Vorgesetzten entscheiden.",
    "Send to my manager": "An meine Vorgesetzten senden",
    "You take your colleague’s plan for that day and they take yours, once your manager approves.":
        "Sie übernehmen den Plan Ihrer Kollegin oder Ihres Kollegen für diesen Tag und umgekehrt, sobald Ihre Vorgesetzten zustimmen.",
    "Search name, code or email": "Name, Nummer oder E-Mail suchen", "Search": "Suchen", "Export CSV": "CSV exportieren",
    "Code": "Nummer", "Previous": "Zurück", "Next": "Weiter", "Page %(n)s of %(total)s": "Seite %(n)s von %(total)s",
    "Hired": "Eingetreten", "Leaves": "Tritt aus", "Waiting for your decision": "Wartet auf Ihre Entscheidung",
    "Download:": "Herunterladen:", "Log in": "Anmelden",
    "Your username and password didn't match. Please try again.":
        "Benutzername und Passwort passen nicht zusammen. Bitte versuchen Sie es erneut.",
    "Email or username": "E-Mail oder Benutzername", "Password": "Passwort", "Account locked": "Konto gesperrt",
    "Ask an administrator to unlock it, or try again later.":
        "Bitten Sie einen Administrator, es zu entsperren, oder versuchen Sie es später erneut.",
    "Password changed": "Passwort geändert", "Your password was changed.": "Ihr Passwort wurde geändert.",
    "Set your password": "Passwort festlegen", "Set password": "Passwort festlegen",
    "This link is invalid or has expired. Ask an administrator to send a new invitation.":
        "Dieser Link ist ungültig oder abgelaufen. Bitten Sie einen Administrator um eine neue Einladung.",
    "Password set": "Passwort festgelegt",
    "You can now <a href=\"%(login_url)s\">log in</a>.": "Sie können sich jetzt <a href=\"%(login_url)s\">anmelden</a>.",
    # timesheets pages (templates/timesheets, timesheets/views.py and forms.py)
    "This overlaps time you already logged": "Das überschneidet sich mit bereits erfasster Zeit",
    "Merge makes one entry spanning all of them (descriptions joined); Replace deletes the entries below and saves yours; Cancel keeps everything as it was.":
        "Zusammenführen macht daraus einen Eintrag über alle (Beschreibungen verbunden); Ersetzen löscht die Einträge unten und speichert Ihren; Abbrechen lässt alles, wie es war.",
    "Merge": "Zusammenführen", "Replace": "Ersetzen", "stopped at the limit": "an der Grenze gestoppt",
    "Delete this entry?": "Diesen Eintrag löschen?", "No time logged.": "Keine Zeit erfasst.", "optional": "optional",
    "Running timer": "Laufender Timer", "Start timer": "Timer starten", "Edit entry": "Eintrag bearbeiten",
    "New entry": "Neuer Eintrag", "Times are in your time zone, %(time_zone)s.": "Zeiten in Ihrer Zeitzone, %(time_zone)s.",
    "Time this week": "Zeit diese Woche", "Timer running:": "Timer läuft:", "No timer running.": "Kein Timer läuft.",
    "Start one": "Einen starten", "%(logged)s of %(expected)s hours logged": "%(logged)s von %(expected)s Stunden erfasst",
    "Share of the expected hours logged": "Anteil der erfassten Sollstunden", "Since": "Seit", "Stop timer": "Timer stoppen",
    "Start a timer": "Einen Timer starten", "Today, %(day)s": "Heute, %(day)s", "Add an entry": "Einen Eintrag hinzufügen",
    "Week of %(name)s": "Woche von %(name)s", "Weeks": "Wochen", "Go to the week of": "Zur Woche vom",
    "Team member": "Teammitglied", "Show week": "Woche anzeigen", "Timesheet:": "Stundenzettel:",
    "%(logged)s of %(expected)s hours": "%(logged)s von %(expected)s Stunden",
    "Returned with the comment:": "Zurückgegeben mit dem Kommentar:",
    "This week is submitted or approved; its time can no longer be changed.":
        "Diese Woche ist eingereicht oder genehmigt; ihre Zeiten lassen sich nicht mehr ändern.",
    "Stop the running timer before submitting this week.": "Stoppen Sie den laufenden Timer, bevor Sie die Woche einreichen.",
    "Submit week for approval": "Woche zur Genehmigung einreichen", "Totals": "Summen",
    "Hours per project and day": "Stunden pro Projekt und Tag", "No time logged this week.": "Diese Woche keine Zeit erfasst.",
    "Day total": "Tagessumme", "Expected": "Soll", "Add entry": "Eintrag hinzufügen", "Copy the day before": "Vortag kopieren",
    "(no task)": "(keine Aufgabe)", "What are you working on?": "Woran arbeiten Sie?",
    "This task belongs to another project.": "Diese Aufgabe gehört zu einem anderen Projekt.",
    "An end before the start means the next day.": "Ein Ende vor dem Beginn bedeutet den nächsten Tag.",
    "The end must differ from the start.": "Das Ende muss sich vom Beginn unterscheiden.", "Timer started.": "Timer gestartet.",
    "Timer stopped: %(h)d:%(m)02d logged.": "Timer gestoppt: %(h)d:%(m)02d erfasst.",
    "Choose a week to submit.": "Wählen Sie eine Woche zum Einreichen.",
    "Week submitted for approval.": "Woche zur Genehmigung eingereicht.",
    "Copied %(copied)d entry from the day before.": (
        "%(copied)d Eintrag vom Vortag kopiert.", "%(copied)d Einträge vom Vortag kopiert."),
    "%(skipped)d skipped (overlapping or no longer open).": (
        "%(skipped)d übersprungen (überschneidend oder nicht mehr offen).",
        "%(skipped)d übersprungen (überschneidend oder nicht mehr offen)."),
    "The day before has no finished entries to copy.": "Der Vortag hat keine abgeschlossenen Einträge zum Kopieren.",
    "Entries merged.": "Einträge zusammengeführt.", "Overlapping entries replaced.": "Überschneidende Einträge ersetzt.",
    "Entry saved.": "Eintrag gespeichert.",
    "This is the running timer; stop it before editing.": "Das ist der laufende Timer; stoppen Sie ihn vor dem Bearbeiten.",
    "This entry is submitted, approved or invoiced and can no longer be changed.":
        "Dieser Eintrag ist eingereicht, genehmigt oder abgerechnet und lässt sich nicht mehr ändern.",
    "Entry deleted.": "Eintrag gelöscht.",
    # notification preferences (etime core)
    "Notifications": "Benachrichtigungen", "Choose which emails etime sends you.": "Wählen Sie, welche E-Mails etime Ihnen sendet.",
    "(always sent)": "(wird immer gesendet)",
    # shared words that other pages use too
    "Cancel": "Abbrechen", "Save": "Speichern", "Delete": "Löschen", "Edit": "Bearbeiten", "Total": "Summe",
    "Project": "Projekt", "Description": "Beschreibung", "Hours": "Stunden", "Day": "Tag", "Time": "Zeit",
    "Task": "Aufgabe", "Running": "Läuft", "running": "läuft", "locked": "gesperrt", "Stop": "Stopp",
    "My week": "Meine Woche", "Timer": "Timer", "Go": "Los", "Open": "Öffnen", "Me": "Ich", "To": "Bis",
    "Previous week": "Vorherige Woche", "Next week": "Nächste Woche", "This week": "Diese Woche",
}


def _unquote(lines: list[str]) -> str:
    return "".join(re.match(r'^(?:msgid|msgid_plural|msgstr(?:\[\d\])?)?\s*"(.*)"$', line).group(1) for line in lines)  # type: ignore[union-attr]


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fill(path: Path) -> int:
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    filled = 0
    out = []
    for block in blocks:
        lines = block.split("\n")
        fields: dict[str, list[str]] = {}
        current = None
        for line in lines:
            match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) ", line)
            if match:
                current = match.group(1)
                fields[current] = [line]
            elif line.startswith('"') and current:
                fields[current].append(line)
        msgid = _unquote(fields["msgid"]).encode().decode("unicode_escape").encode("latin-1").decode("utf-8") if "msgid" in fields else ""
        if not msgid or msgid not in DE or "msgctxt" in fields:
            out.append(block)
            continue
        translation = DE[msgid]
        head = [line for line in lines if line.startswith("#")]
        head = [line.replace("fuzzy, ", "") for line in head if line != "#, fuzzy" and not line.startswith("#|")]
        body = fields["msgid"][:]
        if "msgid_plural" in fields:
            singular, plural = translation if isinstance(translation, tuple) else (translation, translation)
            body += fields["msgid_plural"] + [f"msgstr[0] {_quote(singular)}", f"msgstr[1] {_quote(plural)}"]
        else:
            body += [f"msgstr {_quote(translation if isinstance(translation, str) else translation[0])}"]
        out.append("\n".join(head + body))
        filled += 1
    text = "\n\n".join(out)
    text = text.replace('"Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;\\n"', '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"')
    text = text.replace('"Language: \\n"', '"Language: de\\n"')
    text = text.replace("Project-Id-Version: PACKAGE VERSION", "Project-Id-Version: etime")
    text = text.replace("Last-Translator: FULL NAME <EMAIL@ADDRESS>", "Last-Translator: etime developers")
    text = text.replace("Language-Team: LANGUAGE <LL@li.org>", "Language-Team: German")
    text = text.replace('#\n#, fuzzy\nmsgid ""\nmsgstr ""\n', '#\nmsgid ""\nmsgstr ""\n', 1)  # msgfmt skips a fuzzy header
    path.write_text(text, encoding="utf-8")
    return filled


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "de/LC_MESSAGES/django.po")
    print(f"{fill(target)} German translations filled in {target}")
