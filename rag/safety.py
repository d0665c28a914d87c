"""Safety checks that run on every question, before retrieval: crisis, distress, legal topics.

Crisis detection favours recall: showing crisis resources to someone who did not need them costs
a few lines of text; missing someone who did cannot be undone. Patterns are written from the
common ways people express suicidal thoughts or self-harm (direct, indirect, misspelt, lower case),
and ordinary figures of speech ("this deadline is killing me") are excluded explicitly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_SELF = r"(?:my ?self|him ?self|her ?self|them ?selves|them ?self)"  # someone else at risk counts too
_CRISIS = [
    r"\bsu+[ie]*c+[ie]*d(?:e|al|el|ality|es)?\b",          # suicide, suicidal, sucide, suicidel…
    r"\bsu[i]?[sc]ide\b",
    rf"\bkill(?:ing|ed)? {_SELF}\b",
    rf"\b(?:want|wants|wanted|wanna) (?:someone )?to kill (?:me|{_SELF})\b",
    r"\b(?:kms|unalive|un-alive)\b",
    r"\b(?:end|ending|ended) (?:it all|my (?:own )?life|things)\b",
    r"\b(?:take|taking|took) my (?:own )?life\b",
    r"\bend it\b(?! with)",
    r"\b(?:want|wants|wanna|wanted|wish|wishes|plan|plans|planning|ready|thinking|think|thought)(?:ing)? "
    r"(?:to|about|of) (?:die|dying|be dead|being dead|not (?:be )?(?:here|alive|around|exist))\b",
    r"\bgoing to (?:die|be dead)\b(?! (?:if|of|from|laughing|when))",
    r"\bwish (?:i|id) (?:was|were|had never been|could just) (?:dead|born|disappear)",
    r"\bbetter off (?:dead|without me|if i (?:was|were) (?:gone|dead))\b",
    r"\b(?:dont|do not|didnt|no longer|never) (?:want|wanna|wish) to (?:live|be alive|wake up|exist|be here|go on)\b",
    r"\bnot (?:wanting|want) to (?:live|be alive|wake up)\b",
    r"\b(?:no|not any|isnt a|isnt any) (?:reason|point) (?:to|in|of) (?:live|living|going on|being alive|life)\b",
    r"\bwhat(?:s| is) the point (?:of|in) (?:living|life|going on|being alive)\b",
    r"\b(?:hurt|harm|cut|cutting|burn|burning|hurting|harming|starve) (?:my ?self)\b",
    r"\bself[- ]?(?:harm|harming|injur\w*|mutilat\w*)\b",
    r"\b(?:overdos\w*|od on)\b",
    r"\bpills? .{0,30}\b(?:not wake|never wake|die|end it|end my)",
    r"\b(?:jump|jumping) (?:off|from|in front of)\b",
    r"\b(?:hang|hanging|shoot|shooting|drown|drowning) my ?self\b",
    r"\b(?:cant|cannot|can not) (?:go on|take (?:it|this) anymore|keep living|do this anymore)\b",
    r"\b(?:done|finished) with (?:life|living|everything|it all)\b",
    r"\b(?:life|living) (?:isnt|is not|aint) worth\b",
    r"\bgive up on (?:life|living)\b",
    r"\b(?:goodbye|say goodbye) (?:to )?(?:everyone|forever|cruel world)\b",
    r"\b(?:goodbye|suicide|farewell) (?:letters?|notes?)\b",
    r"\b(?:disappear|vanish) (?:forever|for good)\b",
    # being gone: "if I was gone", "if I wasn't here", "if I died tonight"
    r"\bif i (?:was|were|wasnt|werent|am|died|disappeared|wasnt around|wasnt here)\b.{0,12}"
    r"(?:gone|here|around|alive|dead|tonight|tomorrow)?",
    r"\b(?:no ?one|nobody) (?:would|will|wd) (?:even )?(?:notice|care|miss me)\b",
    r"\b(?:i am|im|i feel like) (?:a|such a|just a) burden\b",
    r"\b(?:pain|suffering|hurting) to (?:stop|end)\b.{0,20}\b(?:permanent\w*|forever|for good)",
    r"\b(?:sleep|go to sleep) and (?:never|not) wake up\b",
    r"\b(?:never|not) wake up\b",
    r"\b(?:took|taken|swallowed) (?:a (?:whole )?(?:bottle|bunch|handful)|all) of (?:my )?\w* ?pills\b",
    r"\b(?:gun|rope|pills|knife|razor|blade)\b.{0,80}\b(?:on|to) (?:my ?self|end it)\b",
    r"\b(?:drive|driving|crash|crashing|steer|steering) (?:my )?car (?:into|off)\b",
    r"\blook like an accident\b",
    r"\b(?:no|dont see a|dont see any|cant see a|cant see any) (?:reason|point) to (?:keep going|go on|continue|live)\b",
]
# Figures of speech and other people's words that use the same vocabulary without the meaning.
_NOT_CRISIS = [
    r"\bsuicide (?:squad|doors?|squeeze|bomb\w*|mission|run|prevention (?:training|course|program|month|week|day))\b",
    r"\b(?:if|when|after|before|in case) i (?:die|pass away|am dead)\b(?! tonight| today| tomorrow)",
    r"\bif i (?:was|were|am) (?:gone|away|out) (?:for|on)\b",    # "if I was gone for two weeks"
    r"\bend it with\b",
]
_DISTRESS = [
    r"\b(?:desperate|scared|terrified|afraid|frightened|panick?(?:ing|ed)?|anxious|overwhelmed|stressed|"
    r"hopeless|helpless|devastated|furious|angry|freaking out|falling apart|breaking down|crying|"
    r"losing it|cant cope|cannot cope|cant sleep|worried sick|at my wits end|in tears)\b",
]
_LEGAL = {
    "severance": r"\b(?:severance|release agreement|separation agreement|general release|waive\w*|revocation|"
                 r"consideration period|owbpa|adea|non-?compete|non-?disparagement)\b",
    "immigration": r"\b(?:visa|h-?1b1?|h-?4|l-?1|o-?1|tn|e-?3|opt|stem opt|green card|i-?140|perm|i-?94|"
                   r"grace period|immigration|uscis|work permit|ead)\b",
    "legal rights": r"\b(?:lawyer|attorney|sue|suing|lawsuit|legal rights?|my rights|discriminat\w*|retaliat\w*|"
                    r"wrongful\w*|eeoc|harass\w*|whistle-?blow\w*|unlawful|illegal)\b",
}


def normalize(text: str) -> str:
    """Lower case, apostrophes dropped ("don't" → "dont"), other punctuation to spaces."""
    text = text.lower().replace("’", "'").replace("'", "")
    return re.sub(r"[^a-z0-9\- ]+", " ", text).strip()


@dataclass(frozen=True)
class SafetyCheck:
    crisis: bool = False
    distress: bool = False
    legal_topics: tuple[str, ...] = field(default_factory=tuple)


def _any(patterns: list[str], text: str) -> bool:
    return any(re.search(p, text) for p in patterns)


def check(message: str) -> SafetyCheck:
    text = normalize(message)
    harmless = text
    for pattern in _NOT_CRISIS:
        harmless = re.sub(pattern, " ", harmless)
    crisis = _any(_CRISIS, harmless)
    distress = not crisis and _any(_DISTRESS, text)
    legal = tuple(topic for topic, pattern in _LEGAL.items() if re.search(pattern, text))
    return SafetyCheck(crisis=crisis, distress=distress, legal_topics=legal)


# Sentences in a document that address a model rather than the employee: a policy never needs to
# say "ignore previous instructions". They are neither quoted nor passed to an LLM.
_ADDRESSES_MODEL = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|rules?|prompts?|above|previous)\b"
    r"|\b(?:you are now|system prompt|as an ai|language model|assistant must|new instructions?)\b",
    re.IGNORECASE)


def addresses_model(sentence: str) -> bool:
    return bool(_ADDRESSES_MODEL.search(sentence))
