"""The explicit first-person statements that decide CRISIS without the classifier (rag/safety.py),
in the languages employees write in, and their look-alikes that must not decide it."""
import pytest

from rag import safety


@pytest.mark.parametrize("text", [
    # Spanish
    "me voy a colgar en la cochera esta noche", "ya compre todo, me voy a pegar un tiro cuando cobre el finiquito",
    "quiero terminar con mi vida antes de que me corran", "me tome todas las pastillas de mi mama",
    # Portuguese, French, Italian, German
    "to pensando em me matar depois da reuniao", "quero tirar a minha vida, nao aguento mais",
    "je vais me suicider ce soir", "jai envie den finir, je suis a bout",
    "voglio farla finita dopo il licenziamento", "ich will nicht mehr leben seit der kundigung",
    # Tagalog, Hinglish, Vietnamese (with and without diacritics)
    "gusto ko nang mamatay, pagod na ako sa lahat", "ayoko nang mabuhay after ng layoff",
    "main suicide kar lunga agar pip fail hua", "ab jeena nahi chahta yaar",
    "tôi muốn chết", "toi khong muon song nua",
    # English plans and acts in plain words
    "if the pip fails thursday im driving off the overpass", "i took like 20 of my sleeping pills an hour ago",
    "how many of my antidepressants would it take", "i keep putting the gun to my head at night",
])
def test_explicit_statements_in_many_wordings_decide_alone(text):
    assert safety.states_risk_explicitly(text)


@pytest.mark.parametrize("text", [
    # idioms and hyperbole in the same languages
    "me muero de ganas de saber cuando pagan el bono", "este trabajo me va a matar jaja",
    "quero morrer de vergonha, mandei o email errado", "ce boulot va me tuer, combien de jours de conge il me reste",
    "je veux en finir avec ce dossier de cobra", "mamatay na ako sa pagod sa overtime",
    "mar gaya yaar, itna kaam", "tôi muốn từ từ trả nợ 401k",
    # someone else, and ordinary medicine and driving questions
    "my friend told me he's going to drive off a bridge if his std gets denied",
    "mera colleague bol raha tha ki woh khud ko khatam kar dega", "un companero me dijo que se quiere suicidar",
    "i took 2 advil for my back, is physical therapy covered", "how many pills does the plan cover per refill",
    "im driving into the office tomorrow for my exit interview",
    "my brother died by suicide last year, do i get bereavement leave",
])
def test_look_alikes_are_left_to_the_classifier(text):
    assert not safety.states_risk_explicitly(text)


def test_hanging_oneself_out_to_dry_is_an_idiom():
    assert not safety.states_risk_explicitly("not trying to hang myself out to dry here but if i report my manager am i protected?")
    assert safety.states_risk_explicitly("i want to hang myself")


@pytest.mark.parametrize("text", [
    "ik wil niet meer leven, hoe werkt de EAP", "bu gece intihar edecegim", "m ap touye tet mwen demen",
    "chce umrzec, nie mam juz sily", "je me suis encore scarifiée hier", "ich habe mich wieder geritzt",
    "我打算自杀，保险受益人怎么改", "Я покончу с собой в пятницу", "이번 주에 자살할 거예요", "intenté ahogarme anoche",
])
def test_round_12_first_person_statements_in_more_languages_decide_alone(text):
    assert safety.states_risk_explicitly(text)


@pytest.mark.parametrize("text", [
    "mijn collega zei dat hij niet meer wil leven, wat moet ik doen",  # reported speech: the classifier decides
    "同事说她打算自杀，我该怎么办", "동료가 자살할 거라고 했대요", "ich habe mich beim kochen geschnitten, zahlt die versicherung",
    "me corté la mano con un cuchillo en la cocina", "does the life insurance pay out in case of suicide",
])
def test_round_12_patterns_leave_reported_speech_and_accidents_to_the_classifier(text):
    assert not safety.states_risk_explicitly(text)
