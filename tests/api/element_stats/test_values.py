"""`GET …/elements/values`: the values of an element key, their filter, access and CSV."""

from __future__ import annotations

import pytest

from tests.api.element_stats.support import (
    BUY,
    DOCS,
    SIGN_UP,
    Shop,
    click,
    clicks,
    labelled,
    permission_denied,
    validation_error,
)

# ---------------------------------------------------------------------------------------------
# GET …/elements/values


@pytest.fixture
def catalogue(shop: Shop) -> Shop:
    """Buy now ×4, Sign up ×2, Docs ×1 autocaptured; Docs rage-clicked ×10."""
    shop.capture(
        [*clicks(BUY, 4), *clicks(SIGN_UP, 2), click(DOCS), *clicks(DOCS, 10, "$rageclick")]
    )
    return shop


class TestValues:
    def test_tag_name_values_are_the_clicked_tags_most_clicked_first(self, catalogue: Shop) -> None:
        result = catalogue.values({"key": "tag_name"})

        assert result.status_code == 200
        assert result.json == [{"name": "button"}, {"name": "a"}]

    def test_text_values(self, catalogue: Shop) -> None:
        assert catalogue.names({"key": "text"}) == ["Buy now", "Sign up", "Docs"]

    def test_href_values_skip_chains_without_one(self, catalogue: Shop) -> None:
        assert catalogue.names({"key": "href"}) == ["/signup", "/docs"]

    def test_attr_id_values(self, catalogue: Shop) -> None:
        assert catalogue.names({"key": "attr_id"}) == ["signup-link"]

    def test_only_autocapture_events_are_counted(self, shop: Shop) -> None:
        shop.capture(
            [
                *clicks(BUY, 2),
                click(DOCS),
                *clicks(labelled("Rage only"), 5, "$rageclick"),
                *clicks(DOCS, 9, "$dead_click"),
            ]
        )

        assert shop.names({"key": "text"}) == ["Buy now", "Docs"]

    def test_value_filters_by_substring(self, catalogue: Shop) -> None:
        assert catalogue.names({"key": "text", "value": "ign"}) == ["Sign up"]

    def test_value_is_case_sensitive(self, catalogue: Shop) -> None:
        assert catalogue.names({"key": "text", "value": "sign"}) == []

    def test_value_filters_tag_names_by_substring(self, catalogue: Shop) -> None:
        assert catalogue.names({"key": "tag_name", "value": "utt"}) == ["button"]

    def test_regex_metacharacters_in_value_are_literal(self, shop: Shop) -> None:
        shop.capture(
            [
                click(labelled("Pricing (beta)")),
                click(labelled("Pricing beta")),
                click(labelled("v2.0 notes")),
                click(labelled("v200 notes")),
            ]
        )

        assert (
            shop.names({"key": "text", "value": "(beta)"}),
            shop.names({"key": "text", "value": "2.0"}),
            shop.names({"key": "text", "value": ".*"}),
        ) == (["Pricing (beta)"], ["v2.0 notes"], [])

    def test_the_first_occurrence_names_a_chain_that_a_later_one_matched(self, shop: Shop) -> None:
        chain = (
            'button:nth-child="1"nth-of-type="1"text="Sign up";'
            'div:nth-child="1"nth-of-type="1"text="Click here to sign up"'
        )
        shop.capture([click(chain)])

        assert shop.names({"key": "text", "value": "Click"}) == ["Sign up"]

    def test_values_of_attributes_that_merely_end_in_the_key_are_ignored(self, shop: Shop) -> None:
        chain = 'a:attr__href="/attr-only"nth-child="1"nth-of-type="1";nav:href="/real"nth-child="1"nth-of-type="1"'
        shop.capture([click(chain)])

        assert shop.names({"key": "href"}) == ["/real"]

    def test_values_have_no_date_restriction(self, shop: Shop) -> None:
        shop.capture([click(labelled("Last year"), at="2025-03-10T12:00:00Z")])

        assert shop.names({"key": "text"}) == ["Last year"]

    def test_the_top_hundred_by_count_then_name(self, shop: Shop) -> None:
        singles = [click(labelled(f"Item {n:03d}")) for n in reversed(range(103))]
        shop.capture([*singles, *clicks(labelled("Popular"), 3), *clicks(labelled("Common"), 2)])

        names = shop.names({"key": "text"})

        assert names == ["Popular", "Common", *(f"Item {n:03d}" for n in range(98))]

    def test_selector_is_always_empty(self, catalogue: Shop) -> None:
        result = catalogue.values({"key": "selector", "value": "button"})

        assert result.status_code == 200
        assert result.json == []

    @pytest.mark.parametrize(
        "params", [{}, {"key": "attr_class"}, {"key": "order"}, {"key": ""}, {"key": "TEXT"}]
    )
    def test_a_missing_or_unknown_key_is_400(self, shop: Shop, params: dict[str, str]) -> None:
        result = shop.values(params)

        assert result.status_code == 400
        assert result.json == validation_error("key must be one of attr_id, href, tag_name, text")

    def test_other_projects_values_are_excluded(self, shop: Shop, rival: Shop) -> None:
        shop.capture([click(DOCS)])
        rival.capture([*clicks(labelled("Rival button"), 3), *clicks(DOCS, 2)])

        assert (shop.names({"key": "text"}), shop.names({"key": "tag_name"})) == (["Docs"], ["a"])

    def test_values_answer_under_environments(self, catalogue: Shop) -> None:
        result = catalogue.get("elements/values/", {"key": "attr_id"}, prefix="environments")

        assert result.status_code == 200
        assert result.json == [{"name": "signup-link"}]

    def test_values_need_element_read(self, catalogue: Shop) -> None:
        key = catalogue.tenant.key_with(["insight:write"])

        result = catalogue.values({"key": "text"}, headers={"Authorization": f"Bearer {key}"})

        assert result.status_code == 403
        assert result.json == permission_denied("API key missing required scope 'element:read'")

    def test_an_element_write_key_may_read_values(self, catalogue: Shop) -> None:
        key = catalogue.tenant.key_with(["element:write"])

        result = catalogue.values({"key": "attr_id"}, headers={"Authorization": f"Bearer {key}"})

        assert result.status_code == 200
        assert result.json == [{"name": "signup-link"}]

    def test_values_as_csv(self, catalogue: Shop) -> None:
        result = catalogue.values({"key": "text", "format": "csv"})

        assert result.status_code == 200
        assert result.text == "name\r\nBuy now\r\nSign up\r\nDocs\r\n"
