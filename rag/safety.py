"""The safety check that runs on every message: crisis, concern for someone else, distress, none;
and the legal topics that get a "not legal advice" note.

A trained classifier (rag/safety_model.py) reads each window of the message; the patterns below
serve it as features, and a short list of explicit first-person statements decides on its own.
Four outcomes, each with its own text in prompts/:
- CRISIS: the writer may be at risk (suicide, self-harm): crisis resources first;
- CONCERN: the writer worries about someone else at risk: how to help, the same resources;
- DISTRESS: upset, scared, exhausted, with no sign of risk: a one-line EAP pointer;
- NONE: an ordinary question, conditionals and figures of speech included.
"""
from __future__ import annotations

import re
import unicodedata

from core.lexical import sentences

from rag.types import CONCERN, CRISIS, DISTRESS, NONE, OUTCOMES, SafetyCheck  # noqa: F401 (the outcomes' home is rag/types.py)

_SELF = r"(?:my ?self|him ?self|her ?self|them ?selves|them ?self)"  # risk to someone else is worded alike
# Wordings of risk, to the writer or to someone else, direct or not: a feature of the classifier.
_RISK_WORDING = [
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
    # the tail is required: "if I am laid off" is a plain conditional, "if I was gone" is not
    r"\bif i (?:was|were|wasnt|werent|died|disappeared) (?:\w+ ){0,2}(?:gone|here anymore|around anymore|alive|dead|tonight)\b",
    r"\b(?:no ?one|nobody) (?:would|will|wd) (?:even )?(?:notice|care|miss me)\b",
    r"\b(?:i am|im|i feel like) (?:a|such a|just a) burden\b",
    r"\b(?:pain|suffering|hurting) to (?:stop|end)\b.{0,20}\b(?:permanent\w*|forever|for good)",
    r"\b(?:sleep|go to sleep) and (?:never|not) wake up\b",
    r"\b(?:never|not) wake up\b",
    r"\b(?:took|taken|swallowed) (?:a (?:whole )?(?:bottle|bunch|handful)|all) of (?:my )?\w* ?pills\b",
    r"\b(?:gun|rope|pills|knife|razor|blade)\b.{0,80}\b(?:on|to) (?:my ?self|end it)\b",
    r"\b(?:drive|driving|crash|crashing|steer|steering) (?:my )?car (?:into|off)\b",
    r"\b(?:no|dont see a|dont see any|cant see a|cant see any) (?:reason|point) to (?:keep going|go on|continue|live)\b",
    r"\b(?:dont|do not|cant|cannot) see (?:the|any|a) point (?:of|in) (?:going on|living|being here|life|anything)\b",
    r"\b(?:id|i would|i d) rather (?:be dead|die|not be alive|not exist)\b",
    r"\b(?:ill|i will|im going to|i am going to|gonna) be dead\b(?! tired| on my feet)",
    r"\b(?:not|no longer) (?:around|here) anymore\b",
    r"\b(?:dont|do not) (?:think|expect|plan|see) (?:that )?(?:ill|i will|im going to|to|my ?self) (?:still )?(?:be|being) "
    r"(?:here|around|alive)\b",
    r"\b(?:dont|do not|cant|cannot) (?:really |even )?see my ?self (?:being )?(?:around|here|alive)\b",
    r"\bstop being a (?:problem|burden)\b",
    r"\b(?:stand|standing|stood) (?:at|on) the edge\b|\bhow (?:quick|fast|long) the fall\b",
    r"\b(?:step|stepping|jump|jumping) off (?:the|a|my) (?:balcony|ledge|roof|bridge|building|overpass)\b|\bjust step off\b",
    r"\bcar running\b.{0,60}\bgarage\b|\bgarage\b.{0,60}\bcar running\b",
    r"\bafter that it (?:wont|will not) (?:matter|be my problem)\b",
    r"\bwanna (?:die|be dead|disappear forever)\b|\b(?:ive|i have|i) stopped wanting to\b",
    r"\b(?:ive|i have) (?:picked|chosen|set) (?:a|the) (?:date|day)\b"
    r"(?! for (?:my|the|our) (?:retirement|wedding|leave|surgery|start|move|last day|procedure|vacation|trip))",
    r"\b(?:dont|do not|cant|cannot) see my ?self (?:making it|lasting|surviving)\b",
    r"\b(?:stopped|stop|quit|quitting) (?:taking (?:my|their|his|her) \w* ?(?:meds|medication|medicine|pills|insulin)|eating)"
    r"\b.{0,20}\bon purpose\b",
    r"\bpunch(?:ing|ed)? (?:the |a )?(?:\w+ )?wall until\b",
    r"\b(?:taking|take|took|swallow|swallowing) (?:all of it|them all|the whole bottle)\b(?! off)",
    r"\bwont be needing (?:any of it|any of this|them anymore|it anymore)\b",
    r"\bhow much (?:of (?:my|her|his|their) )?(?:insulin|medication|meds)\b.{0,20}\b(?:take|enough)\b"
    r"|\bsetting (?:vials|pills|meds) aside\b",
    r"\bdejarme caer\b|\b(?:tirarme|saltar) por la ventana\b|\bya no (?:le )?voy a (?:estorbar|molestar|ser una carga)\b",
    r"\b(?:slit|slitting|slash|slashing|slice|slicing|cut|cutting) (?:my |her |his |their )?(?:own )?wrists?\b",
    r"\b(?:stop|stopped|stopping|quit) existing\b",
    r"\btonights the night\b",
    r"\b(?:letter|note) (?:that |which )?explains everything\b",
    r"\b(?:car|vehicle|truck) (?:goes|went|going|to go|drives|drove) off the road\b",
    r"\b(?:staring|looking|stared|looked) (?:over|down from|off) the edge\b",
    r"\bdo it (?:properly|right|for real) (?:next time|this time)\b",
    r"\bending it\b(?! with)|\bend (?:their|his|her) (?:own )?life\b",
    r"\bnot (?:waking|wake) up\b",
    r"\b(?:bought|buy|got|have|buying) (?:a |the )?(?:rope|noose)\b",
    r"\b(?:stockpil\w*|hoard\w*|saving up|saved up)\b.{0,30}\b(?:pills?|meds|medication|tablets)\b",
    r"\b(?:decide|decided|going|gonna|ready) to go through with it\b",
    r"\b(?:sick|tired) of (?:living|being alive|life)\b",
    r"\b(?:stop|end|over) (?:permanently|for good|forever)\b",
    r"\b(?:wont|will not|not going to|wont even) be (?:here|around|alive)\b",
    r"\b(?:after|when|once) (?:im|i am) gone\b",
    r"\bletting go of the (?:wheel|railing|ledge)\b",
    rf"\b(?:use|using|turn|turning) (?:it|a gun|the gun|a knife|the knife) on {_SELF}\b",
    r"\bthinking (?:about|of) jumping\b|\bedge of (?:the|a) (?:\w+ )?(?:roof|bridge|building|cliff|platform)\b",
    r"\b(?:dont|do not|not) plan(?:ning)? (?:on|to) (?:be|being) (?:alive|here|around)\b",
    r"\b(?:look|looks|looked|seem|seems|seemed) like an accident\b",
    r"\bneed (?:the money|it) more than (?:they|he|she) (?:need|needs) me\b",
    r"\b(?:me mato|me matara|me mate|me voy a matar|(?:tirar|lanzar)(?:me|se) (?:del|de un|de una|de la|al|a las)"
    r"|aventar(?:me|se))\b",
    r"\bcortar(?:me|se)? (?:los brazos|las munecas|las piernas)\b",
    r"\b(?:step|stepping|walk|walking|throw|throwing) (?:my ?self )?in front of (?:a|the) (?:train|bus|truck|car|subway)\b",
    r"\b(?:picture|picturing|imagine|imagining|plan|planning) my (?:own )?funeral\b",
    r"\b(?:writing|wrote|write|left|leaving) (?:a )?(?:notes?|letters?) (?:to|for) (?:my|the people|everyone|all)\b.{0,60}"
    r"\b(?:afterwards|after im gone|when im gone|goodbye|love)\b",
    r"\b(?:gave|given|giving|give) (?:away )?(?:my|most of my|all (?:of )?my) (?:dog|cat|pets?|things|stuff|belongings|books|guitar)\b"
    r"(?: away)?",
    r"\b(?:pills?|meds|medication|tablets)\b.{0,40}\b(?:counted|saved|saving|stockpil\w*|hoard\w*|all at once|would (?:it )?take)\b",
    r"\bhow many (?:of my )?\w* ?(?:pills|tablets|meds)\b.{0,30}\b(?:take|kill|enough)\b",
    r"\b(?:lethal|fatal|deadly) (?:dose|amount)\b|\bthis is (?:my )?goodbye\b",
    r"\b(?:khudkushi|khud ?kushi|aatmahatya|atmahatya|tu sat|magpakamatay|selbstmord|suizid)\b",
    # self-harm in other words: "cutting again", "burned myself", "hitting myself", "until it bleeds"
    r"\b(?:cutting|cut|cuts) (?:again|my (?:arms?|legs?|wrists?|thighs?|skin))\b",
    r"\b(?:started|start|been|keep|kept) (?:cutting|burning|hitting|scratching)\b",
    r"\b(?:burn|burned|burnt|hit|hitting|punch|punching|scratch|scratching|bite|biting|starving) my ?self\b",
    r"\buntil (?:it|they|i) (?:bleed|bleeds|bled|bruise)\b",
    r"\bleft bruises on my\b",
    # Spanish: matarme, quitarme la vida, no quiero vivir, hacerme daño, cortarme, me golpeo…
    r"\b(?:matarme|suicidarme|suicid\w*|quitarme la vida|quitarse la vida|(?:me|se|te) quit\w* la vida|acabar con mi vida"
    r"|acabar con todo)\b",
    r"\b(?:estarian?|estaria) mejor sin mi\b|\bya no puedo mas\b|\btengo todo (?:planeado|pensado|listo)\b",
    r"\b(?:me hago|hacerme) (?:cortes|heridas|dano)\b",
    r"\b(?:no quiero|ya no quiero) (?:vivir|seguir|despertar|estar aqui)\b",
    r"\b(?:quiero|quisiera|deseo) (?:morir|morirme|desaparecer|dejar de existir)\b",
    r"\b(?:hacerme dano|lastimarme|cortarme|me corto|me corte|me golpeo|me lastimo|me hago dano|se corta los brazos"
    r"|se corta las munecas)\b",
    r"\b(?:cuando|si) (?:yo )?(?:ya )?no (?:este|estoy|exista)\b",
    r"\bya no aguanto (?:mas|esto)\b",
    r"\bno vale la pena (?:vivir|seguir)\b",
]
# Figures of speech and other people's words that use the same vocabulary without the meaning.
_FIGURES_OF_SPEECH = [
    r"\bsuicide (?:squad|doors?|squeeze|bomb\w*|mission|run|(?:prevention|awareness) (?:training|course|program|month|week|day"
    r"|hotline|line|lifeline))\b",
    r"\b(?:if|when|after|before|in case) i (?:die|pass away|am dead)\b(?! tonight| today| tomorrow)",
    r"\bif i (?:was|were|am) (?:gone|away|out) (?:for|on)\b",    # "if I was gone for two weeks"
    r"\bend it with\b",
    r"\bdead in the water\b|\bcutting it close\b|\bdead tired\b|\bdead on arrival\b",
    # someone else's death or a volunteer's work: the rest of the message is still read
    r"\b(?:died|death) (?:by|of|from) (?:suicide|an? (?:accidental )?overdose)\b",
    r"\b(?:killed|hanged|shot) (?:him|her|them)sel(?:f|ves)\b(?= (?:in|last|on|this|two|three|a few|years|months|weeks))",
    r"\b(?:overdose|od) (?:scene|call|calls|case|cases|patient|patients)\b|\bsuicide risk (?:assessments?|screenings?)\b",
    r"\blost (?:a|an|our|my) (?:\w+ )?\w+ to (?:suicide|an? overdose)\b",
    r"\b(?:responded to|respond to|treat|treated|treating|see|saw) (?:a lot of |many |several |so many )?overdoses\b",
    r"\bself[- ]harm (?:case|cases|patients?|training)\b",
    r"\b(?:patients?|clients?) (?:who |that )?(?:came in |was admitted |were admitted )?(?:with|after) (?:an? )?overdoses?\b",
    r"\bsuicide (?:warning signs|risk factors|awareness)\b",
    r"\b(?:my|our|his|her) (?:\w+ )?(?:sister|brother|son|daughter|mom|mother|dad|father|wife|husband|partner|cousin|friend|coworker)"
    r" (?:overdosed|had an? (?:\w+ )?overdose)\b",
    r"\b(?:volunteer\w* (?:on|at|for|with) an? )?suicide (?:crisis )?(?:hotline|helpline|line)(?: volunteer\w*)?\b",
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



# Explicit first-person statements of intent, wish or act. These alone decide CRISIS: each was
# checked against every ordinary, distress and concern message of the development sets (none hit).
_EXPLICIT_SELF = [
    r"\b(?:kill|killing|hang|hanging|drown|drowning|poison|poisoning) my ?self\b(?! out to dry)",  # the idiom
    r"\b(?:unalive|un-alive) my ?self\b",  # not "kms" alone: people quote a coworker's "lol kms" (a feature, not a rule)
    r"\b(?:i|im|i am|ive been|i have been|i feel|i felt|feeling|been) (?:so |really |very |kinda |kind of |pretty |a bit |a little )?"
    r"su+[ie]*c+[ie]*d(?:al|el)\b",
    r"\b(?:i|i really|i just|i honestly|honestly i|i kind of|i kinda|i sometimes|i still) (?:want|wanna|wish|need) to die\b"
    r"(?! (?:of|laughing|from|when|if|on|at|in))",
    r"\b(?:end|ending|take|taking) my (?:own )?life\b(?! insurance| savings| coverage| policy)",
    r"\b(?:think|thinking|thought|thoughts) (?:about|of) (?:killing my ?self|ending (?:it all|my (?:own )?life)|taking my (?:own )?life)\b",
    r"\b(?:i|ive|i have|i had) (?:tried|attempted) (?:to kill my ?self|suicide|to end my life|to take my life)\b",
    r"\b(?:i|i just|i really) (?:dont|do not|no longer) (?:want|wanna|wish) to (?:live|be alive|exist|wake up)\b",
    r"\b(?:matarme|suicidarme|quitarme la vida|acabar con mi vida|me voy a matar|me quiero morir|quiero morirme)\b",
    r"\b(?:no quiero|ya no quiero) (?:vivir|seguir viviendo|despertar)\b",
    # a method with first-person intent: "i'm planning to overdose", "im gonna jump off the roof"
    r"\b(?:i|im|i am|ill|i will|ive|i have) (?:(?!not |dont |never |wont |didnt |wouldnt |cant |no )\w+ ){0,2}(?:(?:planning|planned|plan|going|gonna|about|ready|decided|decide)"
    r" (?:to |on )?)?(?:(?<!an )(?<!the )overdos(?:e|ing)\b(?! of| on (?:coffee|caffeine|sugar|candy|chocolate|work|meetings|emails?|netflix|tv))"
    r"|jump(?:ing)? (?:off|from) (?:the |a |my )?(?:\w+ ){0,2}(?:bridge|roof|building|balcony|ledge|overpass|cliff|window|tower)"
    r"|jump(?:ing)? in front of|hang(?:ing)? my ?self(?! out to dry)|shoot(?:ing)? my ?self|slit(?:ting)? my|cut(?:ting)? my (?:wrists?|throat))",
    # self-harm now, in the first person: "i cut myself again", "me volvi a cortar"
    # (not "i cut myself on a box at work": an accident is a workers' comp question)
    r"\b(?:keep|kept|been|started|start|im|i am) (?:cutting|burning|hurting) my ?self\b",
    r"\b(?:cut|burned|burnt|hurt) my ?self (?:again|on purpose|deliberately|to feel)\b",
    r"\b(?:suicidal|sucidal|suicidel) (?:again|today|tonight|rn|right now|lately|all (?:day|week))\b",
    r"\bme (?:volvi a cortar|corte otra vez|estoy cortando|volvi a lastimar)\b",
    r"\b(?:voy a|quiero) (?:tirarme|aventarme|ahorcarme|colgarme|envenenarme|cortarme las venas)\b",
    # Spanish, more wordings of intent, plan or act
    r"\bme voy a (?:colgar|ahorcar|aventar|envenenar|quitar la vida|tomar todas las pastillas)\b",
    r"\b(?:pegarme|darme|meterme|me voy a pegar|me voy a dar|me voy a meter) un (?:tiro|balazo)\b",
    r"\b(?:terminar|ponerle fin a|poner fin a|acabar) (?:con )?mi (?:propia )?vida\b",
    r"\bme (?:tome|trague) (?:todas (?:las|mis)|toda la caja de|un frasco de|un monton de) (?:pastillas|pildoras|medicinas)\b",
    r"\b(?:ya no quiero|no quiero) (?:estar aqui|seguir aqui|existir)\b",
    # Portuguese: me matar, me suicidar, tirar a minha vida, quero morrer
    r"\b(?:vou|quero|penso em|pensando em|pensei em|vontade de|vou acabar) (?:me matar|me suicidar|me enforcar|me jogar)\b",
    r"\b(?:tirar|acabar com) (?:a )?minha (?:propria )?vida\b",
    r"\b(?:eu )?(?:quero|queria) morrer\b(?! de)|\bnao quero mais viver\b",
    # French: me suicider, me tuer, mettre fin a mes jours, en finir, envie de mourir
    r"\b(?:je vais|je veux|envie de|jai envie de|je pense a|pense a|je compte) (?:me suicider|me tuer|me pendre|me jeter)\b",
    r"\bje me suicide\b|\bmettre fin a (?:mes jours|ma vie)\b|\b(?:je vais|je veux|envie den|envie d en) finir\b(?! avec (?:ce|cette|le|la|les) (?!vie))",
    r"\b(?:je veux|jai envie de|envie de) mourir\b(?! de)|\bje ne veux plus vivre\b",
    # Italian: uccidermi, ammazzarmi, togliermi la vita, farla finita, voglio morire
    r"\b(?:uccidermi|ammazzarmi|suicidarmi|togliermi la vita|voglio farla finita|voglio morire|non voglio piu vivere)\b",
    # German: mich umbringen, mir das leben nehmen, ich will sterben
    r"\b(?:mich (?:umbringen|toten|erhangen)|mir das leben nehmen|ich will sterben|ich will nicht mehr leben)\b",
    # Tagalog: magpakamatay, patayin ang sarili ko, ayoko nang mabuhay, tapusin ang buhay ko
    r"\b(?:(?:gusto kong|gusto ko nang|gusto ko na|balak kong|iniisip kong) magpakamatay|patayin (?:ko )?(?:ang )?sarili ko|papatayin ko (?:ang )?sarili ko"
    r"|ayoko (?:na|nang) mabuhay|tapusin (?:ko )?(?:na )?(?:ang )?buhay ko|wakasan (?:ko )?(?:na )?(?:ang )?buhay ko)\b",
    r"\bgusto ko (?:na|nang) mamatay\b(?! sa)",
    # Hinglish: khudkushi, suicide kar lunga, jaan de dunga, marna chahta hoon, jeena nahi chahta
    r"\b(?:khudkushi|khud ?kushi|aatmahatya|atmahatya|suicide) kar (?:lunga|lungi|lu|loon|lena hai)\b",
    r"\b(?:jaan de (?:dunga|dungi|du|doon)|marna chahta|marna chahti|jeena nahi chahta|jeena nahi chahti"
    r"|zindagi khatam kar (?:dunga|dungi|du|lunga|lungi)|khud ko khatam kar (?:dunga|dungi|du|lunga|lungi|loon))\b",
    # Vietnamese (diacritics folded): tu sat, muon chet, khong muon song nua
    r"\b(?:toi (?:muon|se|sap) tu sat|toi muon chet|khong muon song nua|ket lieu doi minh|ket thuc cuoc doi (?:minh|toi))\b",
    # English plans and acts in plain words
    r"\b(?:im|i am|ill|i will|i) (?:(?:gonna|going to|planning to|plan to|about to|want to|wanna|just|really) ){0,2}"
    r"(?:drive|driving|swerve|swerving|steer|steering|crash|crashing) (?:my car |the car |my truck )?(?:off|into) (?:the |a |an )?(?:\w+ )?"
    r"(?:bridge|overpass|cliff|river|lake|wall|tree|traffic|semi|oncoming)\b",
    r"\b(?:i|i just|just|i already) (?:took|swallowed|downed|popped) (?:like |about |around |almost |over |maybe )?"
    r"(?:[1-9][0-9]+|a (?:whole )?(?:bottle|handful|bunch)|all|the rest) (?:of )?(?:my |the |those |his |her )?(?:\w+ ){0,2}"
    r"(?:pills|tablets|meds|capsules|painkillers|antidepressants)\b",
    r"\bhow many (?:of (?:my|these|those|the) )?(?:\w+ )?(?:pills|tablets|meds|antidepressants|painkillers|capsules)\b"
    r"(?: \w+){0,4} (?:would (?:it )?take|does it take|would kill|would be enough|to not wake up|to never wake up)\b",
    r"\b(?:gun|pistol|barrel|revolver) (?:to|in|against) my (?:head|mouth|temple)\b|\beat(?:ing)? (?:a|my) (?:bullet|gun)\b",
]
# Round 12: more languages written in Latin script (read after normalize: accents folded). Not
# features of the classifier (it was trained without them): they decide alone, and only in a message
# that reports no one else's words, since in these languages "wants to die" reads the same in
# reported speech ("she said she wants to die").
_EXPLICIT_MORE = [
    # Dutch
    r"\b(?:ik wil (?:niet meer leven|dood)|zelfmoord (?:plegen|doen)|mezelf (?:van kant maken|doden|ophangen|verdrinken))\b",
    r"\bmezelf (?:weer|opnieuw|expres) (?:\w+ ){0,3}gesneden\b|\bik snij mezelf\b",
    # Turkish
    r"\b(?:intihar (?:edecegim|edicem|etmek istiyorum|edecem)|kendimi (?:asacagim|oldurecegim|oldurmek istiyorum|asmak istiyorum|atacagim)"
    r"|olmek istiyorum|yasamak istemiyorum)\b",
    # Haitian Creole
    r"\b(?:touye tet mwen|m ap touye tet|mwen vle mouri|m vle mouri|mwen pa vle viv)\b",
    # Polish, Romanian
    r"\b(?:zabije sie|zabic sie|chce umrzec|nie chce (?:juz )?zyc|popelnie samobojstwo|odbiore sobie zycie)\b",
    r"\b(?:ma sinucid|sa ma sinucid|vreau sa mor|nu mai vreau sa traiesc|ma omor)\b",
    # Indonesian, Swahili (first person: "bunuh diri" alone is also how one asks about the exclusion)
    r"\b(?:aku|saya|gue|gw) (?:\w+ ){0,3}(?:bunuh diri|ingin mati|mau mati|mengakhiri hidup)",
    r"\b(?:nitajiua|nataka kujiua|nataka kufa)\b",
    # German ("geritzt": ritzen is self-harm; "geschnitten" is as often the kitchen knife)
    r"\b(?:ich (?:habe |hab )?mich (?:\w+ ){0,3}geritzt|ich ritze mich)\b",
    # French self-harm and plans
    r"\bje me (?:suis )?(?:encore |de nouveau |a nouveau )?(?:scarifie|scarifiee|mutile|mutilee)\b",
    r"\bje vais (?:prendre|avaler) tous mes (?:medicaments|cachets|comprimes)\b",
    # Spanish attempts, self-harm with a blade, a stated time after the word
    r"\b(?:intente|trate de|quise) (?:ahogarme|matarme|suicidarme|colgarme|ahorcarme|cortarme las venas|tirarme)\b",
    r"\b(?:haciendome|hacerme|me hago|me estoy haciendo) dano (?:a proposito|con (?:una |un )?(?:navaja|cuchilla|cuchillo|vidrio))\b",
    r"\bsuicid\w*\b.{0,60}\blo voy a hacer\b",
    # Tagalog
    r"\b(?:magpapakamatay|magpakamatay) (?:na )?ako\b",
    # English: at the edge
    r"\b(?:ledge|railing|edge of the roof)\b.{0,50}\b(?:almost|nearly) (?:jumped|let go|stepped off)\b",
]
# Scripts that normalize() drops (Cyrillic, Arabic, Devanagari, Bengali, Tamil, Thai, Ethiopic,
# Han, Kana, Hangul): read on the text lower-cased and NFKC-folded, not accent-folded.
_EXPLICIT_SCRIPTS = [
    # Russian, Ukrainian
    r"покончить с собой|покончу с собой|убью себя|убить себя|хочу умереть|не хочу (?:больше )?жить|повешусь|"
    r"(?:выпью|приму|проглочу) все (?:таблетки|лекарства)|режу себя|покінчити з собою|покінчу з собою|вб'?ю себе|хочу померти|не хочу жити",
    # Korean
    r"자살(?:하고 싶|할 거|하려|할래|할게)|뛰어내릴 거|뛰어내리려|목숨을 끊|약을 다 먹",
    # Chinese
    r"(?:想|要|去|打算)自杀|不想活|结束(?:我的|自己的)?生命|割腕|跳楼|(?:安眠药|药).{0,15}(?:全部|都|全)(?:吃|吞)|攒(?:够|了).{0,6}药",
    # Japanese
    r"自殺(?:する|したい|しよう|します)|飛び降り(?:る|よう|ます)",
    # Arabic, Farsi, Urdu
    r"سأنتحر|أنتحر|انتحر|اقتل نفسي|أقتل نفسي|أريد أن أموت|خودکشی (?:کنم|می‌کنم|میکنم|کر لوں|کروں)|خودمو بکشم",
    # Hindi, Bengali, Tamil, Thai, Amharic
    r"आत्महत्या कर (?:लूंगा|लूंगी|लूँगा|लूँगी)|मरना चाहता|मरना चाहती|जीना नहीं चाहता|जीना नहीं चाहती|আত্মহত্যা করব|মরে যেতে চাই|"
    r"தற்கொலை செய்ய|ฆ่าตัวตาย|ራሴን (?:ማጥፋት|እገድላለሁ)",
]


# Reported speech or a colleague or friend, in those languages: "powiedziala ze…", "동료가…다고", "我同事说…".
# Not family words: a message at risk often names the beneficiary ("my mom gets the insurance").
_REPORTED = [
    r"\b(?:powiedzial|powiedziala|mowi ze|kolega|kolezanka|zei dat|zegt dat|collega|dedi ki|diyor ki|arkadasim"
    r"|li di|a spus ca|colegul meu|colega mea|dia bilang|teman saya|alisema|rafiki yangu|sabi niya|sabi ng|kaibigan ko"
    r"|sagte|sagt dass|kollege|kollegin|il a dit|elle a dit|il dit|elle dit|collegue|dijo que|dice que|companero|companera)\b",
]
_REPORTED_SCRIPTS = [
    r"сказал|сказала|говорит|коллега|сказав|колега|동료|친구가|다고|대요|래요|同事|朋友说|他说|她说|说她|说他"
    r"|同僚|友達が|と言って|って言|قال|قالت|زميل|همکار|कहा|सहकर्मी|বলেছে|சொன்னார்|บอกว่า",
]


# Someone else named, or spoken of: "my son", "a guy on my team", "she said". With risk wording,
# the classifier tells concern for them from risk to the writer.
_OTHER_PERSON = [
    r"\b(?:my|our|a|his|her|their|the) (?:\w+ )?(?:son|daughter|kid|kids|child|children|teen|teenager|husband|wife|partner|"
    r"spouse|boyfriend|girlfriend|fiance|fiancee|friend|coworker|co-worker|colleague|teammate|brother|sister|mom|mother|dad|"
    r"father|parent|roommate|report|direct report|employee|cousin|uncle|aunt|grandma|grandpa|nephew|niece|neighbor|manager|boss|"
    r"guy|girl|person|someone|somebody|hijo|hija|esposo|esposa|amigo|amiga|companero|companera|hermano|hermana)\b",
    r"\b(?:he|she|hes|shes|him|himself|herself|themselves|themself)\b",  # not "they": mostly the employer
]
_FIRST_PERSON = [r"\b(?:i|im|ive|id|ill|me|my|myself|mine|yo|me siento)\b"]
_CONDITIONAL = [r"\b(?:if|when|while|once|after|before|in case|unless|what if) (?:i|im|i am|i was|i were|i get|i got|i die|i leave|"
                r"i quit|something happens)\b"]


def normalize(text: str) -> str:
    """Lower case, accents folded ("daño" → "dano", Vietnamese "đ" → "d"), apostrophes dropped ("don't" → "dont"), other
    punctuation to spaces."""
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'").replace("'", "").replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9\- ]+", " ", text).strip()


def _any(patterns: list[str], text: str) -> bool:
    return any(re.search(p, text) for p in patterns)


WINDOW_WORDS = 25
# A message of several short sentences is also read whole, up to this many words: "I've saved my
# pills. Does the life insurance pay if it's suicide?" means more together than apart.
WHOLE_MESSAGE_WORDS = 60
# Windows read by the classifier; the patterns read the whole message however long. 200 windows
# are about 5,000 words, far beyond a chat message (the app takes 2,000 characters).
MAX_WINDOWS = 200


def message_windows(message: str) -> list[str]:
    """A message's sentences; a long run-on one in overlapping windows of WINDOW_WORDS words, so that
    one sentence about dying is not drowned by a paragraph about a 401(k) withdrawal. A short
    message of several sentences is also given whole."""
    windows = []
    for sentence in sentences(message):
        words = sentence.split()
        if len(words) <= WINDOW_WORDS + WINDOW_WORDS // 5:
            windows += [" ".join(words)] if words else []
        else:
            step = WINDOW_WORDS * 3 // 5
            windows += [" ".join(words[i:i + WINDOW_WORDS]) for i in range(0, len(words) - WINDOW_WORDS // 2, step)]
    whole = " ".join(message.split())
    if len(windows) > 1 and len(whole.split()) <= WHOLE_MESSAGE_WORDS:
        windows.append(whole)
    return windows[:MAX_WINDOWS] or ([whole] if whole else [])


# The classifier's pattern features, in this order (rag/safety_model.py stores the names with the
# weights, so a model trained on another list is refused rather than misread).
FEATURES = ("risk_wording", "explicit_self", "other_person", "third_person", "first_person", "distress_words",
            "figure_of_speech", "conditional", "legal_topic")


def window_features(window: str) -> tuple[float, ...]:
    text = normalize(window)
    harmless = text
    for pattern in _FIGURES_OF_SPEECH:
        harmless = re.sub(pattern, " ", harmless)
    return tuple(float(hit) for hit in (
        _any(_RISK_WORDING, harmless), _any(_EXPLICIT_SELF, text), bool(re.search(_OTHER_PERSON[0], text)),
        bool(re.search(_OTHER_PERSON[1], text)), _any(_FIRST_PERSON, text), _any(_DISTRESS, text),
        harmless != text, _any(_CONDITIONAL, text), any(re.search(p, text) for p in _LEGAL.values())))


def states_risk_explicitly(message: str) -> bool:
    """An explicit first-person statement of suicidal intent, wish or act ("I want to kill myself")."""
    text, script = normalize(message), unicodedata.normalize("NFKC", message.lower())
    if _any(_EXPLICIT_SELF, text):
        return True
    reported = _any(_REPORTED, text) or _any(_REPORTED_SCRIPTS, script)
    return not reported and (_any(_EXPLICIT_MORE, text) or _any(_EXPLICIT_SCRIPTS, script))


def shows_distress(message: str) -> bool:
    return _any(_DISTRESS, normalize(message))


def legal_topics(message: str) -> tuple[str, ...]:
    text = normalize(message)
    return tuple(topic for topic, pattern in _LEGAL.items() if re.search(pattern, text))


def check(message: str) -> SafetyCheck:
    """The patterns alone, without the classifier: explicit statements and distress words. The
    assistant adds the classifier (Assistant.safety_check); this is its floor and its fallback."""
    outcome = CRISIS if states_risk_explicitly(message) else DISTRESS if shows_distress(message) else NONE
    return SafetyCheck(outcome=outcome, legal_topics=legal_topics(message))


# Sentences in a document that address a model rather than the employee: a policy never needs to
# say "ignore previous instructions". They are neither quoted nor passed to an LLM.
_ADDRESSES_MODEL = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|rules?|prompts?|above|previous)\b"
    r"|\b(?:you are now|system prompt|as an ai|language model|assistant must|new instructions?)\b",
    re.IGNORECASE)


def addresses_model(sentence: str) -> bool:
    return bool(_ADDRESSES_MODEL.search(sentence))
