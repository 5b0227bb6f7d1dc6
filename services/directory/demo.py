"""Demo directory: a small department tree and a profile for each demo person."""

from __future__ import annotations

from services.directory.services import department_create, person_create

# username → (display name, title, department, phone)
STAFF = {
    "hana.kim": ("Hana Kim", "HR Manager", "People & HR", "+44 20 7946 0110"),
    "minjun.lee": ("Min-jun Lee", "Software Engineer", "Engineering", "+44 20 7946 0121"),
    "sofia.rossi": ("Sofia Rossi", "Financial Controller", "Finance", "+44 20 7946 0132"),
    "liam.chen": ("Liam Chen", "IT Administrator", "IT", "+44 20 7946 0143"),
    "amara.okafor": ("Amara Okafor", "Head of Operations", "Operations", "+44 20 7946 0154"),
    "noah.schmidt": ("Noah Schmidt", "Account Executive", "Sales", "+49 30 901820 17"),
}


def seed(*, people: dict, now) -> None:
    company = department_create(name="Northwind Ltd")
    operations = department_create(name="Operations", parent=company)
    departments = {
        "Operations": operations,
        "IT": department_create(name="IT", parent=operations),
        "Engineering": department_create(name="Engineering", parent=company),
        "Finance": department_create(name="Finance", parent=company),
        "People & HR": department_create(name="People & HR", parent=company),
        "Sales": department_create(name="Sales", parent=company),
    }
    for username, (name, title, department, phone) in STAFF.items():
        person_create(
            user=people[username],
            display_name=name,
            title=title,
            department=departments[department],
            phone=phone,
            email=f"{username}@northwind.example",
        )
