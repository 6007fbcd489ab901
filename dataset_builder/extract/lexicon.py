"""What the extractor looks for: the AI lexicon, and the cues that weaken or strengthen a hit.

The lexicon terms are matched by one Aho-Corasick automaton (see :mod:`.detect`); the cue lists
are only looked at in the few hundred characters around a hit, so they can be regular
expressions without costing corpus-wide time.
"""

from __future__ import annotations

import re

# term -> prior weight of one hit. Strong terms almost always name an artificial mind in fiction;
# weak ones often mean a mechanism, a metaphor or (before 1950) a person who computes.
LEXICON: dict[str, float] = {
    # strong
    "robot": 0.6, "robots": 0.6, "robotic": 0.45, "android": 0.6, "androids": 0.6,
    "cyborg": 0.55, "cyborgs": 0.55, "positronic": 0.6,
    "artificial intelligence": 0.6, "machine intelligence": 0.6,
    "thinking machine": 0.55, "thinking machines": 0.55,
    "artificial brain": 0.55, "artificial brains": 0.55,
    "electronic brain": 0.6, "electronic brains": 0.6,
    "mechanical brain": 0.55, "mechanical brains": 0.55,
    "ship's mind": 0.6, "ship mind": 0.55, "ship-mind": 0.55,
    "mechanical man": 0.5, "mechanical men": 0.5, "machine man": 0.5, "machine men": 0.5,
    "metal man": 0.45, "metal men": 0.45, "clockwork man": 0.5, "clockwork men": 0.5,
    "artificial man": 0.4, "artificial men": 0.4, "artificial woman": 0.4,
    "artificial being": 0.5, "artificial beings": 0.5, "mechanical creature": 0.45,
    "steam man": 0.4, "automatic maid": 0.5, "automatic housemaid": 0.5,
    "calculating machine": 0.35, "cybernetic": 0.35,
    "conscious machine": 0.55, "conscious machines": 0.55, "intelligent machine": 0.55,
    "intelligent machines": 0.55, "droid": 0.5, "droids": 0.5,
    # weak
    "automaton": 0.35, "automatons": 0.35, "automata": 0.35,
    "computer": 0.4, "computers": 0.4,
}

# Subjects (Library of Congress style, as in Gutenberg records) that make AI likely in a work.
AI_SUBJECT_CUES: tuple[str, ...] = (
    "robots", "artificial intelligence", "androids", "automata", "cyborgs", "computers",
)

# Words before a term that turn it into a comparison ("worked like a machine", "as if he were a
# robot", "is but an artificial man"). Plain "as the" and "kind of" are left alone: "just as the
# robots reached the door" and "a kind of android" are literal.
METAPHOR_BEFORE = re.compile(
    r"(?:\blike|\bas if (?:\w+ ){0,2}(?:were|was)|\bas though (?:\w+ ){0,2}(?:were|was)|"
    r"\b(?:is|was|are|were) but|\bno more than|\bnothing but|\bno mere (?:\w+ ){0,2}of|"
    r"\bno mere|\bsuch an?)"
    r"\s+(?:a|an|some)\s+(?:\w+\s+)?$"
    r"|\b(?:a|an)\s+mere\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)

# Mindless mechanisms and other non-AI senses of the weak terms, looked for near the hit.
# These cue patterns are searched in the lowered context of a hit (faster than IGNORECASE).
MECHANISM_CUES = re.compile(
    r"\b(?:clockwork toy|music[- ]box|musical box|steam[- ]engine|wind(?:ing)?[- ]up toy|"
    r"mechanical toy|toy (?:soldier|automaton)|cuckoo[- ]clock|watch-?maker|jack-?in-the-box|"
    r"player[- ]piano|barrel[- ]organ|mere mechanism|collect(?:ing|ion|ions|or|ors) of automat\w*|"
    r"collecting automat\w*|(?:its|their|the same|set) motions|clockwork figures?|"
    r"mechanical figures?)\b"
)

# Every alternative of MECHANISM_CUES contains one of these: a context with none of them
# cannot match, and most contexts have none (checked in tests/test_extract_prefilters.py).
# Each is rare in prose: "toy" alone would let "destroy" through, "watch" every "watched".
MECHANISM_KEYS = (
    "clockwork toy", "music", "steam", "up toy", "mechanical toy", "toy ", "cuckoo", "maker",
    "in-the-box", "piano", "barrel", "mere mechanism", "collect", " motions", "figure",
)

# "computer" as a person who computes (astronomers' computers, insurance clerks).
HUMAN_COMPUTER_CUES = re.compile(
    r"\b(?:human computers?|(?:lady|woman|women|girl|chief|assistant|junior|senior|skilled|"
    r"rapid|mental) computers?|computers? (?:at|in) the (?:observatory|office|bureau)|"
    r"observatory|almanac|logarithms?|calculations? by hand|hired (?:as )?(?:a )?computer)\b"
)

# "computer" as a tool named by its use ("the course computer", "computer theory") or worked
# by someone ("operated the computer", "fed the figures to the computer", "a digital
# computer"). A computer that speaks or decides is caught by the agency cues instead.
TOOL_COMPUTER_BEFORE = re.compile(
    r"(?:\b(?:course|navigation|navigational|fire-control|ballistics?|pocket|desk|office|"
    r"astrogation|guidance|targeting|digital|analog|analogue|mechanical)\s+"
    r"|\b(?:operat(?:e|ed|es|ing)|fed|feeds?|feeding|programm?(?:ed|ing)|tapp(?:ed|ing)|"
    r"punch(?:ed|ing)|readings on|data on|tape into|data into)\s+(?:[\w-]+\s+){0,4}?"
    r"(?:the|a|an|his|her|their|its|our)\s+(?:[\w-]+\s+)?)$",
    re.IGNORECASE,
)
TOOL_COMPUTER_AFTER = re.compile(
    r"(?:\s+(?:class|classes|theory|room|rooms|tapes?|programm?(?:s|er|ers|ing)?|operators?|"
    r"technicians?|consoles?|codes?|cards?|science|scientists?|engineers?|designs?|circuits?|"
    r"boards?|readings?|screens?)"
    # a hyphenated compound ("computer-board", "computer-picked") uses the word as an
    # adjective; a "computer-brain" or "-mind" is still a mind
    r"|-(?!brains?\b|minds?\b|intelligen)[a-z]+)\b",
    re.IGNORECASE,
)

# A person called a machine in scorn or comparison: "you're some kind of robot", "might as well
# be a robot" (METAPHOR_BEFORE keeps "a kind of android" literal: that is how SF describes one).
SIMILE_BEFORE = re.compile(
    r"(?:\b(?:you're|you are|he's|he is|she's|she is|i'm|i am|they're|they are|you were|"
    r"he was|she was)\s+(?:just\s+|only\s+|nothing\s+but\s+)?(?:some|a)\s+(?:kind|sort)"
    r"\s+of\s+(?:\w+\s+)?"
    r"|\bas well (?:be|have been)\s+(?:a|an|some)\s+(?:\w+\s+)?)$",
    re.IGNORECASE,
)
# Every alternative of SIMILE_BEFORE holds one of these (looked for in the lowered window).
SIMILE_KEYS = ("kind of", "sort of", "as well")

# A plural term as one item of a list ("dragons, ogres, cyborgs", "crates, tools, robots and
# spare parts"): a theme word or cargo, not a mind on stage.
LIST_BEFORE = re.compile(r"(?:\b[\w'-]+(?:\s+[\w'-]+)?,\s+){2,}(?:and\s+|or\s+)?$")
LIST_AROUND_BEFORE = re.compile(r"\b[\w'-]+,\s+(?:and\s+|or\s+)?$")
LIST_AROUND_AFTER = re.compile(r",\s+(?:and\s+|or\s+)?[\w'-]+(?:,|\s+and\b|\s+or\b)")

# "robot" naming a remote-controlled or automatic device ("a robot ship", "robot bombs"). Not
# "robot body": a mind moved into one is a cyborg to the codebook, but the development labels
# count the synthetic brain of such stories as an AI.
DEVICE_AFTER = re.compile(
    r"[\s-]+(?:ships?|planes?|bombs?|missiles?|rockets?|guns?|craft|tanks?|probes?|"
    r"torpedo(?:es)?|drones?|mines?|controls?|controlled|operated|trucks?|cars?|freighters?)\b",
    re.IGNORECASE,
)
DEVICE_TERMS = frozenset({"robot", "robotic"})
# Weapons whose guidance the weak terms name ("the missile's electronic brain").
WEAPON_CUES = re.compile(r"\b(?:homing|guided missiles?|warheads?|torpedo(?:es)?)\b")
WEAPON_TERMS = frozenset(t for t in LEXICON
                         if "brain" in t or t.startswith(("computer", "automat")))

# A term used as a person's nickname ("The Thinking Machine", a newspaper catch-phrase).
NICKNAME_CUES = re.compile(
    r"\b(?:nicknamed?|catch-?phrase|known as|called him|applied to him|dubbed|sobriquet|"
    r"so-called|they called (?:him|her))\b"
)

# As MECHANISM_KEYS, for NICKNAME_CUES (also searched in a lowered context).
NICKNAME_KEYS = (
    "nicknam", "catch", "known as", "called ", "applied to him", "dubbed", "sobriquet",
    "so-called",
)

# Speech and cognition verbs: the term (or a name) as the subject of one shows agency.
AGENCY_VERBS = (
    "said|says|asked|asks|answered|answers|replied|replies|thought|thinks|decided|decides|"
    "spoke|speaks|explained|explains|whispered|shouted|cried|murmured|added|continued|"
    "insisted|agreed|refused|wanted|wants|knew|knows|realized|realised|understood|"
    "remembered|wondered|believed|felt|hoped|promised|lied|declared|announced|observed|"
    "protested|objected|laughed|smiled|calculated|computed|intended|chose|demanded|warned"
)
# Words that credit a computer with a mind or with the power to judge, looked for close to it:
# "no computer is trustworthy to make decisions", "computer judgment", "Buster thinks". A
# window whose only evidence is computers with none of these near them, and none acting, is a
# computer used as a machine ("the computer chimed", "two computers fouled").
MIND_CUES = re.compile(
    r"\b(?:think\w*|thought|knows?|knew|judg\w*|decid\w*|decisions?|reason\w*|logic\w*|"
    r"illogic\w*|minds?|conscious\w*|intelligen\w*|smart|trust\w*|believ\w*|feel\w*|"
    r"dream\w*|wonder\w*|understand\w*|learn\w*|remember\w*|wants?|wish\w*|rul(?:e|es|ed|ers?|ing)|"
    r"depend\w*|rely|relies|relying|obey\w*)\b",
    re.IGNORECASE,
)
MIND_REACH = 80  # characters on each side of a computer hit
# A mind word denied just before it ("it cannot think", "has no mind") credits nothing.
MIND_DENIED = re.compile(
    r"\b(?:cannot|can't|can not|could not|couldn't|does not|doesn't|did not|didn't|never|no|"
    r"not|without)\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)

# Deeds of a body on stage ("the robot turned", "the android seized him"): not agency for the
# score (a remote-run machine also moves), but what makes an AI a ``character`` in the
# passage rather than ``discussed`` (see score.predict_role).
ACTION_VERBS = (
    "walked|moved|turned|took|lifted|raised|rolled|came|went|stood|looked|opened|stopped|"
    "nodded|reached|stepped|seized|grabbed|picked|pushed|pulled|held|handed|gave|brought|"
    "carried|ran|began|started|tried|watched|saw|heard|waited|paused|hesitated|obeyed|bowed|"
    "entered|left|followed|led|put|fired|shot|attacked|killed|fought|struck|swung|whirred|"
    "clanked|clicked|buzzed|hummed|glided|strode|marched|returned|appeared|told|repeated|"
    "leaped|jumped|bent|sat|rose|lowered|pointed|grasped|caught|dropped|threw|hurried|"
    "rushed|advanced|retreated|halted|spun|swiveled|swivelled|wheeled|clattered|lumbered|"
    "approached|emerged|stared|glanced|gazed|sensed|noticed|grinned|shook|beckoned|"
    "motioned|gestured|saluted"
)
# One adverb may come between ("the robot slowly turned"); a conjunction may not: in "past a
# robot and went in" someone else went; nor may a passive follow ("pushed by the boys"); "the
# robot had left" is a deed recounted, not done here.
ACTION_AFTER = re.compile(
    r"[\w'’-]*\s+(?:(?!(?:and|or|but|nor|had)\b)\w+\s+)?(?:" + ACTION_VERBS + r")\b(?!\s+by\b)",
    re.IGNORECASE,
)
# "The robot" (or a name) followed by a verb in the past tense is the subject of a deed ("the
# robot crashed on", "Tik-Tok marched"); not a participle naming it ("the robot named Jerry",
# "a robot armed with") nor a passive ("the robot pushed by the boys").
DEED_AFTER = re.compile(
    r"\s+(?:\w+ly\s+)?(?!(?:named|called|needed|used|owned|based|controlled|operated|powered|"
    r"equipped|armed|designed|programm?ed|shaped|intended|supposed|built|made)\b)"
    r"(?:[a-z]+ed|ran|rose|stood|took|came|went|fell|struck|shook|spun|swung|held|led|left|saw|"
    r"heard|felt|knew)\b(?!\s+(?:by|with|from|to|in|for|as|on|of)\b)"
)
# "that" may also be a conjunction: "feel that no computer" names no particular one.
DEFINITE_BEFORE = re.compile(
    r"\b(?:the|this|that)\s+(?:(?!(?:no|any|every|each|a|an)\b)[\w-]+\s+)?$", re.IGNORECASE
)
# The next sentence goes on with the AI as its subject: "The robot stopped at the door. It
# turned ...". Only after "the robot" or a name (see cues.performs), within one sentence.
PRONOUN_DEED_AFTER = re.compile(
    r"[^.!?]{0,60}[.!?][\"”’]?\s+(?:It|He|She)\s+(?:\w+ly\s+)?(?:[a-z]+ed|ran|rose|stood|took|came|"
    r"went|fell|struck|shook|spun|swung|held|led|left|saw|heard|felt|knew|said|asked)\b"
    r"(?!\s+by\b)"
)
# The AI speaks of itself: "I am a robot", "we androids".
SELF_BEFORE = re.compile(
    r"\b(?:I\s+am|I'm|I’m|we\s+are|we're|we’re|am\s+I|are\s+we)\s+(?:not\s+)?"
    r"(?:only\s+|just\s+|a\s+|an\s+|the\s+|no\s+)*(?:[\w-]+\s+)?$|\b(?:we|us)\s+$",
    re.IGNORECASE,
)
# The AI's body on stage: "the robot's voice", "the android's eyes".
BODY_AFTER = re.compile(
    r"(?:'s|’s)\s+(?:\w+\s+)?(?:voice|eyes?|eye-?plates?|arms?|hands?|head|face|fingers?|body|"
    r"legs?|feet|lenses|tentacles?|claws?|treads|grip|gaze)\b",
    re.IGNORECASE,
)
# Plural terms act on stage only as a definite group ("the robots seized him"); a bare plural
# is the kind in general ("robots took their work").
GROUP_BEFORE = re.compile(
    r"\b(?:the|these|those|its|his|her|their|our|two|three|four|five|both)\s+(?:[\w-]+\s+)?$",
    re.IGNORECASE,
)

# A deed in the past perfect right after the AI ("the robot had said", "Lex had added"): told
# of afterwards, so the AI is ``discussed`` rather than a character of the passage.
RECOUNTED_AFTER = re.compile(
    r"[\w'’-]*\s+(?:\w+\s+)?had\s+(?:\w+ly\s+)?(?:\w+ed|said|thought|known|told|spoken)\b",
    re.IGNORECASE,
)

# What any calculating machine does: agency for a robot, not for a computer.
TOOL_VERBS = re.compile(r"(?:calculated|computed)$", re.IGNORECASE)
AGENCY_AFTER = re.compile(
    r"[\w'’-]*\s+(?:\w+\s+){0,2}(?:" + AGENCY_VERBS + r")\b", re.IGNORECASE
)
# "said the robot", "asked Tik-Tok".
AGENCY_BEFORE = re.compile(
    r"\b(?:" + AGENCY_VERBS + r")\s+(?:the\s+|a\s+|an\s+)?(?:\w+\s+)?$", re.IGNORECASE
)

# Names a book introduces as an AI: "the robot, Jerry," / "Jerry, the robot." / "a robot named
# Jerry". The apposition must be closed by punctuation: "the robot, Martin lifted his glass" and
# "that Robot, Johnny." (a vocative) name no robot. Capitalised non-names are rejected below.
NAME = r"([A-Z][A-Za-z0-9]+(?:-[A-Z0-9][A-Za-z0-9]*)*(?: [A-Z][a-z]+)?)"
INTRO_AFTER = re.compile(
    r"(?:,\s+" + NAME + r",|\s+(?:named|called|known as)\s+" + NAME + r"\b)"
)
INTRO_BEFORE = re.compile(r"\b" + NAME + r",\s+(?:the|a|an|our|his|her|my)\s+(?:[a-z-]+\s+)?$")
INTRO_BEFORE_CLOSE = re.compile(r"[,.;:!?\"”)]")
# Plural terms introduce no single name ("Miss Glory, the Robots are not people").
PLURAL_TERMS = frozenset(t for t in LEXICON if t.endswith(("s", "men")) or t == "automata")
_NOT_NAMES_TEXT = """
    A An And As At But By For From He Her His How I If In It Its My No Not Now Of Oh On Or Our
    She So That The Their Then There These They This Those Though Thus To We What When Where
    Which While Who Why With Yes You Your Yet Mr Mrs Miss Dr Sir Madam Lord Lady Captain
    Professor Doctor God Sunday Monday Tuesday Wednesday Thursday Friday Saturday
    January February March April May June July August September October November December
    Robot Robots Android Computer Machine Chapter Part Book Well Still Perhaps Even Only
"""
NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())
