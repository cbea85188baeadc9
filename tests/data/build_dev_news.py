"""Build tests/data/dev_news.jsonl: a small development set of short,
invented political news articles for tuning and testing the baselines.

The articles were written for this purpose (none is copied from a real
source; names, places and numbers are made up).  They follow the gold
conventions of gold/GUIDELINES.md, with quotes in the broad sense of
attribution corpora: statements, but also beliefs, expectations, intentions
and findings ("officials expect growth to slow", "a poll found that ...");
sources are names, pronouns, relative "who" and descriptions ("a new poll",
"officials", "the ministry").

Labels are written inline, so that no offset is typed by hand:

    {q1|content}          the content of quote q1 (repeat the id for a
                          discontinuous quote's next fragment)
    {q1@entity|content}   the same, naming the speaker when no mention of the
                          quote's speaker is marked (a continued quotation)
    [text|entity]         a mention of an entity
    [text|entity>q1,q2]   a mention that is the speaker mention of q1 and q2
    <q1|cue>              the cue of q1 (<q1,q2|cue> for a cue shared by two
                          quotes; "said that A and that B" is one quote, as
                          one attribution gives one quote)

The type of a quote follows from its text: direct when its fragments are
enclosed by quotation marks, mixed when it contains one, else indirect.

Run from the project root:  python tests/data/build_dev_news.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmark.gold import CLOSING_MARKS, OPENING_MARKS, QUOTE_MARKS, Document, Entity, Quote, Span, write_gold  # noqa: E402

OUT = Path(__file__).with_name("dev_news.jsonl")

ARTICLES: list[tuple[str, dict[str, tuple[str, str, list[str]]], str]] = []


def article(doc_id: str, entities: dict[str, tuple[str, str, list[str]]], marked: str) -> None:
    ARTICLES.append((doc_id, entities, marked))


# ---------------------------------------------------------------------------

article(
    "dev01_council_budget",
    {
        "ana_ruiz": ("Ana Ruiz", "person", ["Ana Ruiz", "Ruiz", "Mayor Ana Ruiz"]),
        "tom_becker": ("Tom Becker", "person", ["Tom Becker", "Becker"]),
        "city_auditor": ("the city auditor", "organization", ["the city auditor", "auditor's office"]),
        "council_members": ("council members", "group", ["council members"]),
        "opponents": ("opponents", "group", ["opponents"]),
    },
    """Council approves budget after late-night vote

Mayor [Ana Ruiz|ana_ruiz] won approval for her spending plan early Wednesday, but [opponents|opponents>q9] <q9|warned> {q9|the fight was not over}.

“{q1|This budget keeps every library open and puts more officers on the street. It is a good day for the city},” [Ruiz|ana_ruiz>q1] <q1|said> after the 7-2 vote.

Councilman [Tom Becker|tom_becker>q8], who voted against the plan, <q8|called> it “{q8|a shell game}.” [He|tom_becker>q2] <q2|argued> {q2|the city was borrowing against next year's taxes to pay for this year's raises}.

“{q3|We are not balancing anything. We are hiding the bill},” <q3|said> [Becker|tom_becker>q3], a former accountant.

[The city auditor|city_auditor>q4] <q4|found> last month {q4|the pension fund was short by $41 million}, and [several council members|council_members>q5] <q5|expect> {q5|that gap to widen next year}.

[Ruiz|ana_ruiz>q6] <q6|said> {q6|she would ask the state for help} if revenue fell short. She did not say how much the city would request.
""",
)

article(
    "dev02_trade_talks",
    {
        "trade_ministry": ("the Trade Ministry", "organization", ["the Trade Ministry", "ministry", "Trade Ministry"]),
        "lena_park": ("Lena Park", "person", ["Lena Park", "Park"]),
        "officials": ("officials", "group", ["officials", "government officials"]),
        "analysts": ("analysts", "group", ["analysts"]),
        "farm_groups": ("farm groups", "group", ["farm groups"]),
    },
    """Trade talks stall as tariffs loom

Negotiations between the two countries broke off on Friday without a deal, and [government officials|officials>q1] now <q1|expect> {q1|growth to slow in the second half of the year}.

[The Trade Ministry|trade_ministry>q2] <q2|said> in a statement {q2|it remained open to talks but would not accept “unfair terms.”}

Chief negotiator [Lena Park|lena_park] was blunter. “{q3|They walked away from the table, not us},” [she|lena_park>q3] <q3|told> reporters. “{q3|If they want to come back, our door is open.}”

{q4|The tariffs would add about 12 percent to the price of imported steel}, <q4|according to> [the ministry|trade_ministry>q4].

[Analysts|analysts>q5] <q5|believe> {q5|both sides will return to the table before the deadline}, though [they|analysts>q6] <q6|warn> {q6|a long standoff could hurt exporters}.

[Farm groups|farm_groups>q7] <q7|fear> {q7|retaliation against soybeans and pork}. [They|farm_groups>q8] <q8|want> {q8|Congress to step in}.
""",
)

article(
    "dev03_poll",
    {
        "bloomberg_poll": ("a Bloomberg poll", "other", ["a Bloomberg poll", "Bloomberg poll", "the poll"]),
        "voters": ("voters", "group", ["voters", "likely voters"]),
        "maria_lopez": ("Maria Lopez", "person", ["Maria Lopez", "Lopez"]),
        "survey_firm": ("the survey firm", "organization", ["the survey firm", "Selzer"]),
    },
    """[Poll|bloomberg_poll>q0]<q0|:> {q0|Governor's race tightens in final weeks}

[A Bloomberg poll|bloomberg_poll>q1] released Tuesday <q1|found> {q1|the two candidates were separated by just two points among likely voters}.

[The poll|bloomberg_poll>q2] <q2|shows> {q2|a sharp shift among suburban women, who backed the incumbent by a wide margin in the spring}.

[Most voters|voters>q3] <q3|say> {q3|the economy is their top concern}, and [nearly half|voters>q4] <q4|think> {q4|the state is headed in the wrong direction}.

“{q5|This race is a coin flip right now. Anyone who tells you otherwise is guessing},” <q5|said> [Maria Lopez|maria_lopez>q5], who directs polling at a state university and was not involved in the survey.

{q6|The margin of error is plus or minus 3.5 percentage points}, [the survey firm|survey_firm>q6] <q6|said>.
""",
)

article(
    "dev04_hearing",
    {
        "karen_holt": ("Karen Holt", "person", ["Karen Holt", "Holt", "Sen. Karen Holt"]),
        "david_osei": ("David Osei", "person", ["David Osei", "Osei"]),
        "the_agency": ("the agency", "organization", ["the agency", "Federal Aviation Agency"]),
        "republicans": ("Republicans on the panel", "group", ["Republicans", "Republicans on the panel"]),
    },
    """Senators grill aviation chief over delays

Sen. [Karen Holt|karen_holt], who chairs the transportation committee, opened the hearing with a warning.

“{q1|Travelers have waited long enough},” [Holt|karen_holt>q1] <q1|said>. “{q1|If the agency cannot fix its systems by summer, we will fix them for it.}”

Agency administrator [David Osei|david_osei>q2] <q2|acknowledged> {q2|the delays were “unacceptable”} but [he|david_osei>q3] <q3|insisted> {q3|most of the problems came from outdated radar equipment}.

“{q4|We asked for new radar in 2019. We asked again in 2021},” [he|david_osei>q4] <q4|said>.

“{q5@david_osei|Nobody wants to fly on a system built in the ’90s, and nobody should have to. The money we need is in the bill that’s sitting on your desk.}”

[Republicans on the panel|republicans>q6] <q6|complained> {q6|the agency had wasted millions on consultants}. [They|republicans>q7] <q7|plan> {q7|to hold a second hearing in March}.

[The agency|the_agency>q8] <q8|said> {q8|it would publish a repair timeline within 30 days}.
""",
)

article(
    "dev05_protest",
    {
        "police": ("police", "organization", ["police", "the police department"]),
        "organizers": ("the organizers", "group", ["the organizers", "organizers"]),
        "jamal_reed": ("Jamal Reed", "person", ["Jamal Reed", "Reed"]),
        "white_house": ("the White House", "organization", ["the White House"]),
        "witnesses": ("witnesses", "group", ["witnesses", "Several witnesses"]),
    },
    """Thousands march against rent increases

{q1|About 5,000 people marched downtown on Saturday}, [police|police>q1] <q1|said>, while [the organizers|organizers>q8] <q8|said> {q8|about 12,000 took part}.

{q2|The crowd stayed peaceful until late afternoon}, <q2|according to> [the police department|police>q2], {q2|when a small group broke windows at two banks}.

[Several witnesses|witnesses>q3] <q3|told> reporters {q3|officers had used pepper spray on people who were trying to leave}.

“{q4|We came here because people can’t pay rent and feed their kids at the same time},” <q4|said> [Jamal Reed|jamal_reed>q4], 34, a bus driver who helped organize the march. “{q4|That’s not a slogan, that’s my street.}”

[The White House|white_house>q5] <q5|said> {q5|the president supported “fair housing for every family”} and [it|white_house>q6] <q6|hopes> {q6|Congress will pass the housing bill this year}.

[Organizers|organizers>q7] <q7|plan> {q7|to march again next weekend}.
""",
)

article(
    "dev06_health",
    {
        "nina_shah": ("Nina Shah", "person", ["Nina Shah", "Shah", "health secretary"]),
        "critics": ("critics", "group", ["critics"]),
        "hospital_association": ("the state hospital association", "organization", ["the state hospital association", "hospital association"]),
        "doctors": ("doctors", "group", ["doctors", "many doctors"]),
    },
    """Health secretary defends vaccine rollout

Health Secretary [Nina Shah|nina_shah>q1] <q1|insisted> on Monday {q1|the vaccine program was on track}, despite long lines at clinics across the state.

“{q2|We have delivered more doses per person than any of our neighbors},” [Shah|nina_shah>q2] <q2|told> lawmakers. [She|nina_shah>q3] <q3|added> {q3|another 200,000 doses would arrive by the end of the month}.

[Critics|critics>q4] <q4|argue> {q4|the sign-up website is too hard to use for older residents}. [They|critics>q5] <q5|want> {q5|the state to open walk-in clinics}.

[The state hospital association|hospital_association>q6] <q6|warned> {q6|staff shortages could slow the rollout further}.

[Many doctors|doctors>q7] <q7|doubt> {q7|the state can meet its target of vaccinating every adult by June}.
""",
)

article(
    "dev07_summit",
    {
        "paul_hartmann": ("Paul Hartmann", "person", ["Paul Hartmann", "Hartmann", "Prime Minister Paul Hartmann"]),
        "kremlin": ("Kremlin", "organization", ["Kremlin", "the Kremlin"]),
        "diplomats": ("diplomats", "group", ["diplomats", "European diplomats"]),
        "eu_spokesperson": ("an EU spokesperson", "person", ["an EU spokesperson", "EU spokesperson"]),
        "irina_volkova": ("Irina Volkova", "person", ["Irina Volkova", "Volkova"]),
    },
    """Leaders meet in Vienna as ceasefire falters

Prime Minister [Paul Hartmann|paul_hartmann>q1] <q1|told> parliament on Thursday {q1|he would push for a new ceasefire at the summit in Vienna}.

[The Kremlin|kremlin>q2] <q2|denied> {q2|its troops had crossed the border}, and foreign ministry spokeswoman [Irina Volkova|irina_volkova>q3] <q3|called> the reports “{q3|a provocation}.”

[European diplomats|diplomats>q4] <q4|hope> {q4|the talks will at least reopen the humanitarian corridors}, but [they|diplomats>q5] <q5|concede> {q5|a full agreement is unlikely}.

“{q6|Nobody expects miracles in one afternoon},” [an EU spokesperson|eu_spokesperson>q6] <q6|said>.

[Hartmann|paul_hartmann] met aid groups before leaving. [He|paul_hartmann>q7] <q7|said>: “{q7|We will not let winter become a weapon.}”
""",
)

article(
    "dev08_court",
    {
        "judge_morrow": ("Ellen Morrow", "person", ["Ellen Morrow", "Morrow", "Judge Ellen Morrow"]),
        "northwind": ("Northwind Energy", "organization", ["Northwind Energy", "Northwind", "the company"]),
        "lawyers_state": ("lawyers for the state", "group", ["lawyers for the state"]),
        "environmental_groups": ("environmental groups", "group", ["environmental groups"]),
        "rosa_delgado": ("Rosa Delgado", "person", ["Rosa Delgado", "Delgado"]),
    },
    """Judge halts pipeline permit

A federal judge on Tuesday blocked construction of the Blue River pipeline. In a 40-page ruling, Judge [Ellen Morrow|judge_morrow>q1] <q1|wrote> {q1|regulators had ignored the risk of spills into the river}.

[Lawyers for the state|lawyers_state>q2] had <q2|argued> {q2|the permit followed every rule on the books}.

[Northwind Energy|northwind>q3], which is building the pipeline, <q3|said> {q3|it would appeal}. [The company|northwind>q4] <q4|estimated> {q4|each month of delay would cost about $20 million}.

[Environmental groups|environmental_groups>q5] <q5|called> the decision “{q5|a victory for every town downstream}.”

“{q6|The court did what the agencies would not},” <q6|said> [Rosa Delgado|rosa_delgado>q6], an attorney for the groups. “{q6|It looked at the evidence.}”
""",
)

article(
    "dev09_campaign",
    {
        "donald_trump": ("Donald Trump", "person", ["Donald Trump", "Trump"]),
        "trump_campaign": ("the Trump campaign", "organization", ["the Trump campaign", "his campaign"]),
        "clinton_aides": ("Clinton aides", "group", ["Clinton aides", "aides"]),
        "hillary_clinton": ("Hillary Clinton", "person", ["Hillary Clinton", "Clinton"]),
    },
    """[Trump|donald_trump>q0] <q0|says> {q0|trade deal is 'a disaster'}

[Donald Trump|donald_trump>q1] <q1|said> on Monday {q1|the Pacific trade deal was “a disaster” for American workers} and [he|donald_trump>q2] <q2|promised> {q2|to withdraw from it on his first day in office}.

[Trump|donald_trump>q3] <q3|believes> {q3|the deal will send manufacturing jobs overseas}, and [his campaign|trump_campaign>q4] <q4|wants> {q4|to make trade the center of the race in Ohio and Michigan}.

[Clinton aides|clinton_aides>q5] <q5|think> {q5|the attacks will not work with suburban voters}. “{q6|He has been saying the same thing for 30 years},” [one aide|clinton_aides>q6] <q6|said>.

[Hillary Clinton|hillary_clinton] did not address the deal in her speech in Denver. Asked about it later, [she|hillary_clinton>q7] <q7|said> {q7|she had opposed the final text}.
""",
)

article(
    "dev10_economy",
    {
        "central_bank": ("the central bank", "organization", ["the central bank", "bank"]),
        "economists": ("economists", "group", ["economists", "Most economists"]),
        "greta_lind": ("Greta Lind", "person", ["Greta Lind", "Lind", "Governor Greta Lind"]),
        "labor_data": ("Labor Department data", "other", ["Labor Department data", "data released by the Labor Department"]),
        "union_leaders": ("union leaders", "group", ["union leaders"]),
    },
    """Central bank holds rates, warns of slowdown

[The central bank|central_bank>q1] left interest rates unchanged on Wednesday and <q1|warned> {q1|the economy would grow more slowly than expected this year}.

Governor [Greta Lind|greta_lind>q2] <q2|said> {q2|inflation had eased but remained “stubbornly high” in services}.

“{q3|We are not going to declare victory too early},” [Lind|greta_lind>q3] <q3|said> at a news conference. “{q3|The last mile is always the hardest.}”

[Most economists|economists>q4] <q4|predict> {q4|the bank will cut rates in the autumn}. [Data released by the Labor Department on Friday|labor_data>q5] <q5|showed> {q5|hiring slowed for a third month}.

[Union leaders|union_leaders>q6] <q6|urged> {q6|the bank to act sooner}. [They|union_leaders>q7] <q7|say> {q7|workers are already feeling the slowdown}.
""",
)

article(
    "dev11_tech",
    {
        "brightline": ("Brightline Labs", "organization", ["Brightline Labs", "Brightline", "the company"]),
        "regulators": ("regulators", "group", ["regulators", "European regulators"]),
        "sources": ("people familiar with the matter", "group", ["people familiar with the matter"]),
        "omar_haddad": ("Omar Haddad", "person", ["Omar Haddad", "Haddad"]),
    },
    """Regulators open inquiry into chatbot maker

[European regulators|regulators>q1] <q1|suspect> {q1|Brightline Labs collected voice recordings without consent}. {q2|The inquiry will look at three years of data}, <q2|according to> [people familiar with the matter|sources>q2].

[Brightline|brightline>q3] <q3|said> {q3|it had “always followed the law”} and [it|brightline>q4] <q4|hopes> {q4|to resolve the matter quickly}.

Chief executive [Omar Haddad|omar_haddad>q5] <q5|told> employees in a memo {q5|the company had done nothing wrong}. “{q6|We don’t sell our users’ voices. We never have},” [he|omar_haddad>q6] <q6|wrote>.

[Regulators|regulators>q7] <q7|plan> {q7|to publish their findings by the end of the year}.
""",
)

article(
    "dev12_climate",
    {
        "ines_moreau": ("Ines Moreau", "person", ["Ines Moreau", "Moreau"]),
        "island_nations": ("island nations", "group", ["island nations", "a group of island nations"]),
        "un_report": ("a United Nations report", "other", ["a United Nations report", "the report"]),
        "oil_producers": ("oil producers", "group", ["oil producers", "several oil producers"]),
    },
    """Climate talks end with pledge on ‘net zero’

Delegates from 120 countries agreed on Sunday to a pledge on ‘net zero’ emissions, though the text leaves out any deadline.

“{q1|This is not the agreement we came for, but it is the one we could get},” [Ines Moreau|ines_moreau>q1], the conference president, <q1|said> in her closing speech.

[A group of island nations|island_nations>q2] <q2|said> {q2|the deal “falls dangerously short”} and [they|island_nations>q3] <q3|vowed> {q3|to push for a binding deadline next year}.

[A United Nations report|un_report>q4] published last week <q4|found> {q4|global emissions rose by 1 percent in 2023}. [The report|un_report>q5] <q5|suggested> {q5|current policies put the world on track for 2.7 degrees of warming}.

[Several oil producers|oil_producers>q6] <q6|argued> {q6|a deadline would hurt developing economies}.
""",
)


article(
    "dev13_school_board",
    {
        "alan_cho": ("Alan Cho", "person", ["Alan Cho", "Cho"]),
        "parents": ("parents", "group", ["parents", "Parents who spoke in favor"]),
        "sarah_kim": ("Sarah Kim", "person", ["Sarah Kim", "Kim"]),
        "lee_grant": ("Lee Grant", "person", ["Lee Grant", "Grant"]),
        "staff_report": ("a staff report", "other", ["a staff report", "staff report"]),
        "district_spokesman": ("the district's spokesman", "person", ["the district’s spokesman", "Mark Ellis", "Ellis"]),
    },
    """School board delays vote on later start times

The school board postponed a vote on later start times after more than 60 parents signed up to speak on Tuesday night.

Board president [Alan Cho|alan_cho>q1] <q1|said> {q1|the board needed more time to study bus routes}.

[Parents|parents>q2] who spoke in favor <q2|said> {q2|teenagers were not getting enough sleep}. Pediatrician [Sarah Kim|sarah_kim>q3], who testified at the meeting, <q3|said> {q3|starting school at 8:30 would cut car crashes among teen drivers}.

The plan was opposed by bus contractor [Lee Grant|lee_grant], [who|lee_grant>q4] <q4|warned> {q4|the district would need 14 more drivers}.

“{q5|We just don’t have the people},” <q5|said> [Grant|lee_grant>q5].

{q6|The change would cost about $2 million a year}, <q6|according to> [a staff report|staff_report>q6]. The board will take up the “Healthy Start” plan again in May.

{q7|No decision has been made about sports schedules}, <q7|said> [the district’s spokesman|district_spokesman>q7], [Mark Ellis|district_spokesman].
""",
)

article(
    "dev14_party_switch",
    {
        "rachel_burke": ("Rachel Burke", "person", ["Rachel Burke", "Burke", "Sen. Rachel Burke"]),
        "party_chairman": ("the party's state chairman", "person", ["the party’s state chairman", "state chairman"]),
        "democrats": ("Democrats", "group", ["Democrats"]),
        "governor_office": ("the governor's office", "organization", ["the governor’s office"]),
    },
    """Senator quits party over tax bill

State Sen. [Rachel Burke|rachel_burke>q1] <q1|announced> on Friday {q1|she was leaving the Republican Party to sit as an independent}.

“{q2|My colleagues told me the bill would help families. It does the opposite},” [Burke|rachel_burke>q2] <q2|said>.

[The party’s state chairman|party_chairman>q3,q4] <q3|called> the move “{q3|a betrayal of the voters who elected her}” and <q4|said> {q4|the party would field a candidate against her in 2026}.

[Burke|rachel_burke>q5] <q5|wrote> on social media {q5|she had “no regrets.”}

[Democrats|democrats>q6] <q6|hope> {q6|her switch will give them a working majority in the Senate}, but [Burke|rachel_burke>q7] has <q7|said> {q7|she will vote issue by issue}.

[The governor’s office|governor_office>q8] <q8|said> {q8|it was still reviewing the tax bill}. [It|governor_office>q9] <q9|expects> {q9|a decision within two weeks}.
""",
)


article(
    "dev15_pentagon",
    {
        "pentagon_officials": ("Pentagon officials", "group", ["Pentagon officials", "officials at the Pentagon"]),
        "jen_kale": ("Jen Kale", "person", ["Jen Kale", "Kale"]),
        "mark_dunn": ("Mark Dunn", "person", ["Mark Dunn", "Dunn", "Rep. Mark Dunn"]),
        "the_ap": ("The Associated Press", "organization", ["The Associated Press", "AP"]),
        "some_republicans": ("some Republicans", "group", ["some Republicans", "Republicans"]),
    },
    """Pentagon weighs troop cuts in Europe

WASHINGTON — [Officials at the Pentagon|pentagon_officials>q1], speaking on condition of anonymity because the plan is not final, <q1|said> {q1|as many as 9,000 troops could be withdrawn from Germany by next spring}.

White House press secretary [Jen Kale|jen_kale>q2] <q2|told> [The Associated Press|the_ap] on Tuesday that {q2|no decision had been made}. Asked whether the president had seen the plan, [she|jen_kale>q3] <q3|said> {q3|he had been “fully briefed.”}

The proposal has alarmed allies. [Some Republicans|some_republicans>q4] <q4|worry> that {q4|a withdrawal would embolden Moscow}, and Rep. [Mark Dunn|mark_dunn], a member of the Armed Services Committee, has introduced a bill that would block it.

“{q6|You don’t pull the fire truck away while the house next door is burning},” [Dunn|mark_dunn>q6] <q6|said> in an interview. “{q6|Our partners are asking what comes next, and I don’t have an answer for them.}”

It was not clear when a final decision would be announced.
""",
)

article(
    "dev16_primary",
    {
        "lucia_ortiz": ("Lucia Ortiz", "person", ["Lucia Ortiz", "Ortiz"]),
        "ben_carver": ("Ben Carver", "person", ["Ben Carver", "Carver"]),
        "ortiz_campaign": ("the Ortiz campaign", "organization", ["the Ortiz campaign", "her campaign"]),
        "party_leaders": ("party leaders", "group", ["party leaders"]),
        "emerson_poll": ("an Emerson College poll", "other", ["an Emerson College poll", "the Emerson poll"]),
    },
    """Ortiz surges ahead of Tuesday's primary

With five days to go, state Treasurer [Lucia Ortiz|lucia_ortiz] has pulled ahead of former Gov. [Ben Carver|ben_carver] in the race for the Democratic nomination for Senate, {q1|leading him 44 percent to 37 percent}, <q1|according to> [an Emerson College poll|emerson_poll>q1] released Thursday.

[Ortiz|lucia_ortiz>q2], who has never run statewide before, <q2|told> supporters in Dayton that {q2|the race was “about who shows up for working people, not who shows up on cable news.”}

[Carver|ben_carver] dismissed the poll. “{q3|I’ve been behind in polls my whole career, and I’ve won six races},” [he|ben_carver>q3] <q3|said>.

[Party leaders|party_leaders>q5] privately <q5|fear> {q5|a bruising primary will leave the nominee short of money for the fall}. [Several|party_leaders>q6] <q6|have urged> {q6|both candidates to stop running negative ads}, but [her campaign|ortiz_campaign>q7] <q7|said> on Friday {q7|it would keep airing a spot that attacks Carver’s record on prescription drug prices}.

[The Emerson poll|emerson_poll>q8] also <q8|found> {q8|a quarter of likely voters remain undecided}.
""",
)

article(
    "dev17_refugees",
    {
        "unhcr": ("the U.N. refugee agency", "organization", ["the U.N. refugee agency", "UNHCR", "the agency"]),
        "hassan_ali": ("Hassan Ali", "person", ["Hassan Ali", "Ali"]),
        "aid_workers": ("aid workers", "group", ["aid workers"]),
        "greek_government": ("the Greek government", "organization", ["the Greek government", "Athens"]),
        "fatima_nour": ("Fatima Nour", "person", ["Fatima Nour", "Nour"]),
    },
    """Winter brings new hardship to island camps

LESBOS, Greece — {q1|More than 4,000 people are living in tents built for 1,500}, [the U.N. refugee agency|unhcr>q1] <q1|said> on Monday, {q1|and many of them have no heating}.

[Aid workers|aid_workers>q2] <q2|describe> {q2|conditions in the camp as the worst since 2016}. [They|aid_workers>q3] <q3|say> {q3|children are sleeping in wet clothes and that cases of scabies have doubled since October}.

[Fatima Nour|fatima_nour>q4], a 29-year-old teacher from Aleppo who arrived in September with her two daughters, <q4|said> {q4|she had not been told how long she would have to stay}.

“{q5|We left a war. We did not expect to find another kind of war here},” [she|fatima_nour>q5] <q5|said>.

[The Greek government|greek_government>q6,q7] <q6|insists> {q6|it is doing what it can} and <q7|blames> {q7|other European countries for refusing to take in more people}. Migration Minister [Hassan Ali|hassan_ali>q8] <q8|said> last week {q8|the new camp on the island would open “within weeks,”} but [aid workers|aid_workers>q9] <q9|doubt> {q9|it will be ready before spring}.
""",
)

article(
    "dev18_scandal",
    {
        "paula_grey": ("Paula Grey", "person", ["Paula Grey", "Grey", "Mayor Paula Grey"]),
        "investigators": ("investigators", "group", ["investigators", "state investigators"]),
        "grey_lawyer": ("Victor Lam", "person", ["Victor Lam", "Lam"]),
        "the_times": ("The Times", "organization", ["The Times"]),
        "emails": ("emails obtained by The Times", "other", ["emails obtained by The Times", "the emails"]),
        "grey_aide": ("the aide", "person", ["the aide", "a senior aide"]),
        "sources2": ("two people briefed on the inquiry", "group", ["two people briefed on the inquiry"]),
    },
    """{q0|Mayor's aide steered contracts to donor}, [emails|emails>q0] <q0|show>

[Emails obtained by The Times|emails>q1] <q1|show> {q1|a senior aide to Mayor Paula Grey pressed city agencies to hire a construction firm owned by one of her biggest donors}.

In one message, [the aide|grey_aide>q2] <q2|wrote> that {q2|the mayor “wants this done by Friday.”} Mayor [Grey|paula_grey>q3] <q3|denied> {q3|any knowledge of the messages}.

“{q4|I have never asked anyone to favor a donor, and I never will},” [she|paula_grey>q4] <q4|said> in a statement on Sunday.

[Her lawyer, Victor Lam|grey_lawyer>q5], <q5|said> {q5|the aide had acted on his own}. [Lam|grey_lawyer>q6] <q6|added> that {q6|the mayor would cooperate fully with any review}.

{q8|[State investigators|investigators] are examining whether the contracts broke bidding rules}, <q8|according to> [two people briefed on the inquiry|sources2>q8], who spoke on condition of anonymity because they were not authorized to discuss it.
""",
)

article(
    "dev19_fed_nominee",
    {
        "rita_sloan": ("Rita Sloan", "person", ["Rita Sloan", "Sloan"]),
        "democrats": ("Democrats", "group", ["Democrats", "Senate Democrats"]),
        "the_president": ("the president", "person", ["the president"]),
        "bankers": ("bankers", "group", ["bankers", "Wall Street bankers"]),
    },
    """Fed nominee faces tough questions

[Rita Sloan|rita_sloan], the president’s pick to lead the Federal Reserve, faced sharp questions on Thursday from senators of both parties.

[Senate Democrats|democrats>q1] <q1|pressed> [her|rita_sloan] on whether {q1|she would keep interest rates high even if unemployment rose}. [Sloan|rita_sloan>q2] <q2|replied> that {q2|the Fed’s job was “to get inflation back to 2 percent, full stop.”}

“{q3|I am not going to make promises about rates to this committee or to anyone else},” [she|rita_sloan>q3] <q3|said>. “{q3|That is exactly what an independent central bank should not do.}”

[The president|the_president>q4] has <q4|said> {q4|he wants lower rates before the election}, and [some Democrats|democrats>q5] <q5|suspect> {q5|Sloan will give him what he wants}.

[Wall Street bankers|bankers>q6], for their part, <q6|see> {q6|her as a safe choice}.
""",
)


# ---------------------------------------------------------------------------


def parse(marked: str):
    """Plain text, mentions [(start, end, entity, quote ids)], quote
    fragments {qid: [(start, end)]}, quote speakers given with @, cues."""
    out: list[str] = []
    length = 0
    mentions: list[tuple[int, int, str, list[str]]] = []
    fragments: dict[str, list[tuple[int, int]]] = {}
    named_speakers: dict[str, str] = {}
    cues: dict[str, tuple[int, int]] = {}
    stack: list[tuple[str, int]] = []
    i = 0
    while i < len(marked):
        c = marked[i]
        if c == "{":
            bar = marked.index("|", i)
            label = marked[i + 1 : bar]
            if "@" in label:
                label, speaker = label.split("@")
                named_speakers[label] = speaker
            stack.append((label, length))
            i = bar + 1
        elif c == "}":
            label, start = stack.pop()
            fragments.setdefault(label, []).append((start, length))
            i += 1
        elif c == "[":
            close = marked.index("]", i)
            text, spec = marked[i + 1 : close].split("|")
            entity, _, quotes = spec.partition(">")
            mentions.append((length, length + len(text), entity, quotes.split(",") if quotes else []))
            out.append(text)
            length += len(text)
            i = close + 1
        elif c == "<":
            close = marked.index(">", i)
            labels, text = marked[i + 1 : close].split("|")
            for label in labels.split(","):
                cues[label] = (length, length + len(text))
            out.append(text)
            length += len(text)
            i = close + 1
        else:
            out.append(c)
            length += 1
            i += 1
    assert not stack, f"unclosed quote {stack}"
    return "".join(out), mentions, fragments, named_speakers, cues


def quote_type(text: str, parts: list[tuple[int, int]]) -> str:
    def enclosed(a: int, b: int) -> bool:
        before = text[a - 1] if a > 0 else ""
        j = b
        while j < len(text) and text[j] in ",.;:!?…":
            j += 1
        return before in OPENING_MARKS and j < len(text) and text[j] in CLOSING_MARKS

    if all(enclosed(a, b) for a, b in parts):
        return "direct"
    def is_mark(i: int) -> bool:  # an apostrophe (year’s, don’t) is not a quotation mark
        return text[i] in QUOTE_MARKS and not (text[i - 1].isalnum() and text[i + 1 : i + 2].isalpha())

    if any(is_mark(i) for a, b in parts for i in range(a, b)):
        return "mixed"
    return "indirect"


def build_document(doc_id: str, entity_info: dict, marked: str) -> Document:
    text, mentions, fragments, named_speakers, cues = parse(marked.lstrip("\n"))
    entities = {eid: Entity(eid, name, kind, list(aliases), []) for eid, (name, kind, aliases) in entity_info.items()}
    speaker_of: dict[str, tuple[str, Span]] = {}
    for start, end, eid, quote_ids in mentions:
        entities[eid].mentions.append(Span(start, end))
        for qid in quote_ids:
            speaker_of[qid] = (eid, Span(start, end))
    quotes = []
    for qid, parts in fragments.items():
        parts.sort()
        if qid in speaker_of:
            speaker, mention = speaker_of[qid]
        else:
            speaker, mention = named_speakers[qid], None
        cue = Span(*cues[qid]) if qid in cues else None
        quotes.append(
            Quote(
                qid,
                parts[0][0],
                parts[-1][1],
                quote_type(text, parts),
                speaker,
                mention,
                cue,
                [Span(a, b) for a, b in parts] if len(parts) > 1 else None,
            )
        )
    quotes.sort(key=lambda q: int(q.id[1:]))
    return Document(doc_id, f"dev:{doc_id}", text, list(entities.values()), quotes)


def main() -> None:
    documents = [build_document(*a) for a in ARTICLES]
    write_gold(documents, OUT)
    n = sum(len(d.quotes) for d in documents)
    print(f"{OUT}: {len(documents)} documents, {n} quotes")
    if "-v" in sys.argv:
        for d in documents:
            for q in d.quotes:
                m = d.text[q.speaker_mention.start : q.speaker_mention.end] if q.speaker_mention else None
                print(d.doc_id, q.id, q.type, repr(m), "|", d.text[q.start : q.end][:90])


if __name__ == "__main__":
    main()
