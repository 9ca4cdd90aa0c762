/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The text of the shipped checklists (share/vigia/checklists, one YAML file per category), listed
 * here so that xgettext extracts it into po/vigia.pot. The YAML files keep the
 * English text; model_check_text() looks it up with gettext at display time,
 * and a network's own items (not in this list) show as written.
 * tests/unit/config/test-checklist.c fails when a shipped label is missing
 * here: after editing a checklist, add its new text to this list.
 */
#include "config.h"

#include <stddef.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/model.h"

/* TRANSLATORS: checklist text read by dispatchers and verifiers; keep it plain. */
static const char *const model_checklist_text[] = {
    N_("Caller saw it with their own eyes (first-hand)"),
    N_("first-hand"),
    N_("second-hand"),
    N_("Ask: did you see it yourself, or did someone tell you or share a post?"),
    N_("Caller is at the place now"),
    N_("caller on scene"),
    N_("Ask: are you there now, can you still see them? Remind them to keep a safe distance."),
    N_("Specific details given (how many, vests, plates)"),
    N_("specific details"),
    N_("vague details"),
    N_("Ask how many agents and vehicles, what the vests or jackets say, plate numbers."),
    N_("Seen within the last 30 minutes"),
    N_("fresh"),
    N_("old report"),
    N_("Ask when they saw it. Posts shared for hours or days are usually old news."),
    N_("Known caller who was right before"),
    N_("trusted caller"),
    N_("Someone on the team knows this caller and their earlier reports were accurate."),
    N_("Several vehicles parked haphazardly"),
    N_("vehicles"),
    N_("Unmarked SUVs, vans or sedans parked fast and close together, engines running."),
    N_("Tents or a staging area"),
    N_("staging area"),
    N_("A parking lot or field where agents gather, with tents, tables or many vehicles."),
    N_("Buses or vans nearby"),
    N_("buses or vans"),
    N_("Large vans or buses waiting nearby are used to take people away."),
    N_("Gathering away from a federal building or known office"),
    N_("away from federal offices"),
    N_("at a federal office"),
    N_("Agents at a federal building or ICE office on routine business are less likely an "
       "operation."),
    N_("Agents approaching people or asking questions"),
    N_("approaching people"),
    N_("Agents stopping people on the street, at a bus stop or among day labourers."),
    N_("Agents approaching a particular house"),
    N_("approaching a house"),
    N_("Agents at one door or watching one address."),
    N_("Vests or markings of ICE, HSI, ERO or Border Patrol seen"),
    N_("agency vests seen"),
    N_("Look for ICE, HSI, ERO, POLICE ICE or Border Patrol on vests, jackets or vehicles."),
    N_("Photo or video showing the agency"),
    N_("photo or video"),
    N_("Ask for a photo or video taken from a safe distance; check it is from today and this "
       "place."),
    N_("People being detained"),
    N_("people detained"),
    N_("Handcuffs, people put into vehicles, families asking where someone was taken."),
    N_("Not local police (no city or county markings)"),
    N_("not local police"),
    N_("local police"),
    N_("City police and sheriff's cars are marked; a local traffic stop is not an immigration "
       "operation."),
    N_("A trained verifier saw it on scene"),
    N_("verifier saw it"),
    N_("verifier saw nothing"),
    N_("Set after a verifier reports back; no means a verifier went and saw nothing."),
    N_("Vehicles being stopped on the road"),
    N_("cars stopped"),
    N_("Which road and direction, how long it has been going on."),
    N_("Cones, signs or lights set up across the road"),
    N_("roadblock set up"),
    N_("A planned checkpoint has cones, signs and lights; note the exact place."),
    N_("Asking for papers or immigration status"),
    N_("asking for papers"),
    N_("Questions about where people were born or their status, not only licence and "
       "registration."),
    N_("Border Patrol uniforms or vehicles"),
    N_("Border Patrol"),
    N_("Green uniforms, white and green vehicles."),
    N_("Announced DUI or traffic checkpoint by local police"),
    N_("DUI checkpoint"),
    N_("Check the police department's announcements; DUI checkpoints are usually published."),
    N_("Several vehicles at the site"),
    N_("Unmarked vehicles at the entrances or in the parking lot."),
    N_("Exits blocked or a perimeter around the site"),
    N_("site surrounded"),
    N_("Agents at every exit, nobody allowed to leave."),
    N_("Workers lined up, questioned or separated"),
    N_("workers questioned"),
    N_("Workers asked for papers or separated by status."),
    N_("Agents showing a warrant or papers to a manager"),
    N_("warrant shown"),
    N_("A manager was shown a warrant or a notice of inspection (I-9 audit)."),
    N_("Labour or safety inspectors only (OSHA, state)"),
    N_("labour inspection"),
    N_("Inspectors with clipboards and no vests are not an enforcement operation."),
    N_("Plain-clothes agents waiting in halls or at the entrance"),
    N_("plain-clothes agents"),
    N_("People in plain clothes watching the entrance or the hearing lists."),
    N_("Agents asking people's names or looking at a list"),
    N_("asking names"),
    N_("Agents checking names against a list or a photo."),
    N_("Someone arrested after a hearing"),
    N_("arrest after hearing"),
    N_("Someone stopped in the hall or outside after leaving a courtroom."),
    N_("Unmarked vehicles waiting outside"),
    N_("unmarked vehicles"),
    N_("SUVs or vans waiting near the exits with people inside."),
    N_("Only court security or sheriff's deputies"),
    N_("court security"),
    N_("Court security and deputies work there every day."),
    N_("Agents knocking and asking for someone by name"),
    N_("asking for a person"),
    N_("Who they asked for; do not open the door, talk through it."),
    N_("Early morning (before 7:00)"),
    N_("early morning"),
    N_("Home arrests are often at dawn, when people leave for work."),
    N_("Saying 'police' while vests or jackets say ICE or ERO"),
    N_("posing as police"),
    N_("Agents often say 'police'; ask them to show the vest or badge through a window."),
    N_("A warrant signed by a judge was shown"),
    N_("judicial warrant"),
    N_("Only a warrant signed by a judge allows entry without consent; an ICE form (I-200, I-205) "
       "does not."),
    N_("Unmarked vehicles outside"),
    N_("Unmarked cars parked nearby, people waiting in them."),
    N_("Activity still going on"),
    N_("ongoing"),
    N_("over"),
    N_("Is it still happening, or did it end?"),
};

const char *const *model_checklist_msgids(size_t *n)
{
    *n = UTIL_ARRAY_LEN(model_checklist_text);
    return model_checklist_text;
}
