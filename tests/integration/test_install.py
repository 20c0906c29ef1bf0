import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_rewards_tab_requires_sign_in(client):
    response = client.get(reverse("oscar_loyalty:account"))
    assert response.status_code == 302
    assert reverse("customer:login") in response["Location"]
