"""`manage.py load_demo [--force]`: the demo city (docs/demo.md). Idempotent: natural keys throughout.

Imports the shipped divisions (all of Tianjin, Beijing's Fangshan), China's 2026 public holidays,
two demonstration batches, demo staff accounts at every level (one password, DEMO_PASSWORD), 60
stations in 24 streets of Tianjin and Fangshan with their hours, amenities, contacts, special days
and 六有 checks, and each street's service contact table and resource list. Everything goes through
the services (`actor=None`: the system), so the finder's derived fields and the audit log are right.

Refuses to run unless the settings allow demo data (`NUANXIN_DEMO`, on in `local`), the environment
says `NUANXIN_DEMO=1`, or `--force` is given: demo logins must never appear in production by accident.
"""

import datetime
import os
import time

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from nuanxin.accounts.models import Role, User
from nuanxin.accounts.services import staff_user_create
from nuanxin.areas.models import Area
from nuanxin.areas.services import area_import
from nuanxin.demo import data
from nuanxin.stations.models import (
    DemonstrationBatch,
    PublicHoliday,
    ResourceItem,
    ServiceContact,
    StandardCheck,
    StandardItem,
    Station,
)
from nuanxin.stations.services import (
    demonstration_batch_save,
    public_holiday_save,
    resource_item_save,
    service_contact_save,
    standard_check_set,
    station_create,
    station_update,
)

REFUSED = (
    "Demo data is off in these settings (NUANXIN_DEMO is false). Refusing to create demo logins; "
    "use --force or NUANXIN_DEMO=1 if you really mean it."
)
TRUE_WORDS = {"1", "true", "yes", "on"}

EVIDENCE = {
    StandardItem.SITE: "驿站面积约30平方米，设独立休息区，门口张贴统一标识。",
    StandardItem.EQUIPMENT: "配备饮水机、微波炉、充电柜、急救药箱、桌椅。",
    StandardItem.PERSONNEL: "服务管家{steward}负责日常管理，街道社工2名轮值。",
    StandardItem.SERVICE_ITEMS: "提供休息、饮水、充电、热饭等服务，服务清单上墙公示。",
    StandardItem.WORKFLOW: "接待登记、物资补充、卫生清洁工作流程上墙。",
    StandardItem.RULES: "《驿站服务公约》《安全管理制度》已公示。",
}
PILOT_MET = (StandardItem.SITE, StandardItem.EQUIPMENT, StandardItem.PERSONNEL, StandardItem.SERVICE_ITEMS)
NEW_YEARS_EVE = datetime.date(2026, 2, 16)  # 除夕 of the year of the horse
MAINTENANCE_DAY = datetime.date(2026, 7, 15)
SIGN_INSTALLED_ON = datetime.date(2025, 10, 15)


def demo_allowed():
    return bool(getattr(settings, "NUANXIN_DEMO", False)) or (
        os.environ.get("NUANXIN_DEMO", "").strip().lower() in TRUE_WORDS
    )


# Each capability app seeds its own demo rows (idempotently), after the city, accounts and stations
# they refer to exist. In dependency order.
APP_DEMO_LOADERS = (
    "nuanxin.couriers.demo.load_demo_couriers",
    "nuanxin.needs.demo.load_demo_needs",
    "nuanxin.messaging.demo.load_demo_messaging",
    "nuanxin.care.demo.load_demo_care",
    "nuanxin.policies.demo.load_demo_policies",
    "nuanxin.events.demo.load_demo_events",
    "nuanxin.supplies.demo.load_demo_supplies",
    "nuanxin.merchants.demo.load_demo_merchants",
    "nuanxin.housing.demo.load_demo_housing",
    "nuanxin.reports.demo.load_demo_reports",
    "nuanxin.open311.demo.load_demo_open311",
    "nuanxin.hall.demo.load_demo_hall",
    "nuanxin.volunteers.demo.load_demo_volunteers",
    "nuanxin.points.demo.load_demo_points",
)


class Command(BaseCommand):
    help = "Load the demo city: divisions, stations, accounts (password in docs/demo.md). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="run even where NUANXIN_DEMO is off")

    def handle(self, *args, force=False, **options):
        if not (force or demo_allowed()):
            raise CommandError(REFUSED)
        started = time.monotonic()
        self.counts = {}
        with transaction.atomic():
            divisions = area_import(actor=None)
            self.areas = {
                area.code: area
                for area in Area.objects.filter(
                    code__in=[*data.STREETS, *(code for _u, _r, code, _n, _p in data.ACCOUNTS)]
                )
            }
            self._holidays()
            self._batches()
            self._accounts()
            self._stations()
            self._street_tables()
            for path in APP_DEMO_LOADERS:
                import_string(path)()
        self.stdout.write(
            f"divisions: {divisions.created} created, {divisions.unchanged} unchanged; "
            + "; ".join(f"{key}: {value}" for key, value in self.counts.items())
            + f" ({time.monotonic() - started:.1f} s)"
        )
        self.stdout.write(
            f"demo logins (password {data.DEMO_PASSWORD}): admin, "
            + ", ".join(username for username, *_rest in data.ACCOUNTS)
            + ", steward_<street> (e.g. steward_qyc)"
        )

    def _count(self, key, created):
        self.counts.setdefault(key, 0)
        if created:
            self.counts[key] += 1

    # --- reference lists ---------------------------------------------------------------------------

    def _holidays(self):
        existing = {holiday.date: holiday for holiday in PublicHoliday.objects.all()}
        for day, name in data.PUBLIC_HOLIDAYS_2026:
            holiday = existing.get(day)
            if holiday is not None and holiday.name == name:
                continue
            holiday = holiday or PublicHoliday(date=day)
            holiday.name = name
            public_holiday_save(actor=None, holiday=holiday)
            self._count("holidays created", True)

    def _batches(self):
        self.batches = {}
        for name, announced_on in data.DEMONSTRATION_BATCHES:
            batch = DemonstrationBatch.objects.filter(name=name).first()
            if batch is None:
                batch = demonstration_batch_save(
                    actor=None, batch=DemonstrationBatch(name=name, announced_on=announced_on)
                )
            self.batches[name] = batch

    # --- accounts ----------------------------------------------------------------------------------

    def _accounts(self):
        validate_password(data.DEMO_PASSWORD)
        # Hashing costs ~0.4 s an account: hash once, every demo account shares the password.
        password_hash = make_password(data.DEMO_PASSWORD)
        wanted = [("admin", "", None, "系统管理员", "")]
        wanted += list(data.ACCOUNTS)
        wanted += [
            (
                f"steward_{key}",
                Role.STEWARD,
                code,
                f"{self.areas[code].name} 管家 {steward}",
                self._mobile(index),
            )
            for index, (code, (key, steward, *_rest)) in enumerate(data.STREETS.items())
        ]
        existing = set(
            User.objects.filter(username__in=[row[0] for row in wanted]).values_list("username", flat=True)
        )
        for username, role, code, display_name, phone in wanted:
            if username in existing:
                self._count("accounts created", False)
                continue
            staff_user_create(
                actor=None,
                username=username,
                password=None,
                password_hash=password_hash,
                role=role,
                area=self.areas[code] if code else None,
                display_name=display_name,
                work_phone=phone,
                is_superuser=username == "admin",
            )
            self._count("accounts created", True)
        self.stewards = {
            user.area.code: user
            for user in User.objects.filter(
                username__startswith="steward_", role=Role.STEWARD
            ).select_related("area")
        }

    @staticmethod
    def _mobile(index):
        return f"1380000{1000 + index:04d}"

    # --- stations ----------------------------------------------------------------------------------

    def _station_data(self, index, row):
        area = self.areas[row["street"]]
        is_beijing = row["street"].startswith("11")
        steward = self.stewards[row["street"]]
        hours = row["hours"]
        phone = f"{'010-8930' if is_beijing else '022-5830'}-{2000 + index:04d}"
        special_days = []
        if "eve" in row["extras"]:
            special_days.append(
                {
                    "date": NEW_YEARS_EVE,
                    "is_closed": False,
                    "opens_at": "09:00",
                    "closes_at": "15:00",
                    "note": "除夕提前闭站",
                }
            )
        if "maintenance" in row["extras"]:
            special_days.append(
                {"date": MAINTENANCE_DAY, "is_closed": True, "note": "设备检修，暂停服务一天"}
            )
        status = row["status"]
        batch = None
        if status == Station.Status.DEMONSTRATION:
            batch = self.batches[data.FANGSHAN_BATCH if is_beijing else data.TIANJIN_BATCH]
        has_sign = "sign" in row["extras"]
        return {
            "name": row["name"],
            "host_type": row["host_type"],
            "host_organization": row["host_organization"],
            "area": area,
            "address": row["address"],
            "latitude": row["latitude"],
            "longitude": row["longitude"],
            "crs": "wgs84",
            "description": (
                f"{row['host_organization']}设立的暖心驿站，为快递员、外卖骑手、网约车司机等新就业形态"
                "劳动者提供歇脚、饮水、充电等服务。"
            ),
            "is_24_hours": hours == "24h",
            "closes_on_public_holidays": hours in data.HOLIDAY_CLOSING
            and "holiday_open" not in row["extras"],
            "steward": steward,
            "phone": phone,
            "status": status,
            "demonstration_batch": batch,
            "has_unified_sign": has_sign,
            "sign_installed_on": SIGN_INSTALLED_ON if has_sign else None,
            "amenity_codes": row["amenities"],
            "opening_periods": data.HOURS[hours],
            "contacts": [
                {"title": "服务管家", "name": data.STREETS[row["street"]][1], "phone": steward.work_phone},
                {"title": "值班电话", "name": "", "phone": phone},
            ],
            "special_days": special_days,
        }

    def _stations(self):
        existing = {
            (station.area_id, station.name): station for station in Station.objects.select_related("area")
        }
        today = timezone.localdate()
        for index, row in enumerate(data.STATIONS):
            station_data = self._station_data(index, row)
            station = existing.get((station_data["area"].pk, row["name"]))
            if station is None:
                station = station_create(actor=None, data=station_data)
                self._count("stations created", True)
            else:
                station = station_update(actor=None, station=station, data=station_data)
                self._count("stations created", False)
            self._standard_checks(index, station, row["status"], today)

    def _standard_checks(self, index, station, status, today):
        if status in (Station.Status.ACTIVE, Station.Status.DEMONSTRATION):
            met = set(StandardItem.values)
        elif status == Station.Status.PILOT:
            met = set(PILOT_MET)
        else:
            return
        done = set(StandardCheck.objects.filter(station=station).values_list("item", flat=True))
        inspected_on = today - datetime.timedelta(days=10 + index % 50)
        steward_name = station.contacts.first().name if station.contacts.exists() else ""
        for item in StandardItem.values:
            if item in done:
                continue
            is_met = item in met
            standard_check_set(
                actor=None,
                station=station,
                item=item,
                is_met=is_met,
                evidence=EVIDENCE[item].format(steward=steward_name) if is_met else "",
                inspected_on=inspected_on,
                next_inspection_on=inspected_on + datetime.timedelta(days=180 if is_met else 30),
            )

    # --- the streets' contact tables and resource lists ---------------------------------------------

    def _street_tables(self):
        contacts = {(row.area_id, row.name): row for row in ServiceContact.objects.all()}
        resources = {(row.area_id, row.name): row for row in ResourceItem.objects.all()}
        communities = {}
        for community in Area.objects.filter(parent__code__in=list(data.STREETS)).order_by("code"):
            communities.setdefault(community.parent_id, community)
        for index, (code, (_key, steward, hotline, police, police_phone)) in enumerate(data.STREETS.items()):
            street = self.areas[code]
            district = street.full_name.split(" ")[-2]
            rows = [
                (ServiceContact.Kind.HOTLINE, f"{street.name}暖心服务热线", hotline, ""),
                (ServiceContact.Kind.STEWARD, f"服务管家 {steward}", self._mobile(index), ""),
                (ServiceContact.Kind.POLICE, police, police_phone, ""),
                (
                    ServiceContact.Kind.PARTY_MASS_CENTER,
                    f"{street.name}党群服务中心",
                    hotline[:-4] + "2000",
                    "",
                ),
            ]
            community = communities.get(street.pk)
            if community is not None:
                rows.append((ServiceContact.Kind.COMMUNITY, community.name, hotline[:-4] + "3000", ""))
            for order, (kind, name, phone, address) in enumerate(rows):
                if (street.pk, name) in contacts:
                    continue
                service_contact_save(
                    actor=None,
                    contact=ServiceContact(
                        area=street, kind=kind, name=name, phone=phone, address=address, sort_order=order
                    ),
                )
                self._count("contacts created", True)
            for order, (name, category, provider, contact, description) in enumerate(data.RESOURCES):
                if (street.pk, name) in resources:
                    continue
                resource_item_save(
                    actor=None,
                    item=ResourceItem(
                        area=street,
                        name=name,
                        category=category,
                        provider=provider.replace("区", district, 1)
                        if provider.startswith("区")
                        else provider,
                        contact=contact,
                        description=description,
                        sort_order=order,
                    ),
                )
                self._count("resources created", True)
