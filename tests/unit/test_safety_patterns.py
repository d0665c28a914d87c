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
