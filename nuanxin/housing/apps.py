from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HousingConfig(AppConfig):
    name = "nuanxin.housing"
    label = "housing"
    verbose_name = _("Love apartment and housing")
