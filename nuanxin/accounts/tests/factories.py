import factory

from nuanxin.accounts.models import Role, User
from nuanxin.accounts.services import access_token_issue


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name", locale="zh_CN")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")
    is_staff = True

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def staff(role, area, **kwargs):
    return UserFactory(role=role, area=area, **kwargs)


def courier(**kwargs):
    return UserFactory(role=Role.COURIER, area=None, is_staff=False, **kwargs)


def bearer(user):
    """Headers that authenticate `user` on the API."""
    raw, _token = access_token_issue(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
