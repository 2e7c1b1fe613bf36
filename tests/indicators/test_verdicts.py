"""One rule for what field verdicts say about the screen: partly counts half, could-not-verify not at all."""

from apps.indicators.verdicts import verdicts_agreeing, verdicts_decided


def test_partly_counts_half_and_could_not_verify_decides_nothing():
    # given verdicts as found on site
    counts = {"confirmed": 2, "partly": 3, "contradicted": 4, "could_not_verify": 5}

    # when they are weighed
    agreeing, decided = verdicts_agreeing(counts), verdicts_decided(counts)

    # then
    assert (agreeing, decided) == (3.5, 9)


def test_no_verdicts_agree_and_decide_nothing():
    assert (verdicts_agreeing({}), verdicts_decided({})) == (0, 0)
    assert (verdicts_agreeing({"could_not_verify": 2}), verdicts_decided({"could_not_verify": 2})) == (0.0, 0)
