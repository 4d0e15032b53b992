from models.ner.tagger import implausible_name


def test_predicates_and_acronyms_are_not_names() -> None:
    assert implausible_name("ORG", "사실을 신고하였다")
    assert implausible_name("ORG", "IP")
    assert not implausible_name("ORG", "개인정보보호위원회")
    assert not implausible_name("PERSON", "김다")  # one word ending in 다 can be a name
    assert not implausible_name("DATE", "2025년 11월")
