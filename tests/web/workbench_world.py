"""The evidence the browser tests work on, and a real server of the application on a free loopback port.

The police (knpa) hold case K1, shared with the financial commission (fsc): 26 Korean memos, a two-page PDF
with a text layer, a three-message mail thread and a contact sheet. A police clerk later uploads case K3 (not
shared) through the page. The data-protection commission (pipc) holds case P1, not shared, whose leaked list names
the contact sheet's phone number and company. The fsc investigator must see K1 and nothing else — only that pipc
also holds the number and the company, and how many documents.
"""

from __future__ import annotations

import socket
import threading
import time
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.extractors.pdf_fixtures import pdf_bytes

CITIES = ["서울", "부산", "인천", "대구", "광주", "대전", "울산", "수원"]
VENDORS = ["한빛물류", "나래운송", "다온상사", "미르유통"]
MEMOS = 26
PHONE = "010-3141-5926"
COMPANY = "Northwind Traders Ltd."
PDF_PAGES = ["Logistics audit report", "Page two: warehouse inventory audit findings"]


def memo_text(i: int) -> str:
    city, vendor = CITIES[i % len(CITIES)], VENDORS[i % len(VENDORS)]
    return (f"쿠팡 물류센터 점검 메모 제{i}호. 담당 팀장이 {city}에서 협력업체 {vendor} 관계자와 회의하였다. "
            f"납품 단가 조정과 배송 지연 {i}건에 대해 논의하였고 다음 점검은 {i % 12 + 1}월로 정하였다.")


LONG_MEMO = " ".join(f"{n}번째 확인 사항으로 {CITIES[n % 8]} 창고의 {VENDORS[n % 4]} 재고 기록과 출고 전표를 대조하였다."
                     for n in range(1, 16))


def near_duplicates(folder: Path) -> None:
    """A long memo and its lightly edited copy (one word changed): near-duplicates of each other."""
    (folder / "memo_long.txt").write_text(f"쿠팡 재고 점검 보고. {LONG_MEMO} 결론: 추가 조사 필요.", encoding="utf-8")
    (folder / "memo_long_edited.txt").write_text(f"쿠팡 재고 점검 보고. {LONG_MEMO} 결론: 추가 조사 불필요.",
                                                 encoding="utf-8")


def tiny_pdf(pages: list[str]) -> bytes:
    """A PDF with one line of Helvetica text per page (a real text layer, no external tool)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               f"<< /Type /Pages /Kids [{' '.join(f'{4 + 2 * i} 0 R' for i in range(len(pages)))}] "
               f"/Count {len(pages)} >>".encode(),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i, text in enumerate(pages):
        stream = f"BT /F1 20 Tf 72 700 Td ({text}) Tj ET".encode()
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    return pdf_bytes(objects, root=1)


def mail_thread(folder: Path) -> None:
    """Three messages of one thread: a question, its answer and a follow-up (Message-ID / References)."""
    start = datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc)
    ids = ["<m1.k1@knpa.example>", "<m2.k1@vendor.example>", "<m3.k1@knpa.example>"]
    bodies = ["협력업체 회의 일정을 알려 주십시오. 쿠팡 납품 건입니다.", "회의는 다음 주 화요일입니다.",
              "화요일 회의 자료를 첨부 없이 보냅니다."]
    for n, (message_id, body) in enumerate(zip(ids, bodies)):
        mail = EmailMessage()
        mail["From"] = "팀장 <lead@knpa.example>" if n != 1 else "담당자 <sales@vendor.example>"
        mail["To"] = "sales@vendor.example" if n != 1 else "lead@knpa.example"
        mail["Subject"] = ("Re: " if n else "") + "협력업체 회의 일정"
        mail["Date"] = format_datetime(start + timedelta(hours=n))
        mail["Message-ID"] = message_id
        if n:
            mail["In-Reply-To"] = ids[n - 1]
            mail["References"] = " ".join(ids[:n])
        mail.set_content(body)
        (folder / f"thread_{n + 1}.eml").write_bytes(bytes(mail))


def contact_sheet(folder: Path) -> None:
    (folder / "contact_sheet.txt").write_text(
        f"협력업체 연락 담당자 전화 {PHONE}. Payments for the warehouse were routed through {COMPANY} in Seoul.",
        encoding="utf-8")


def pipc_case(folder: Path) -> Path:
    """The other agency's unshared evidence: nothing of it may reach the fsc investigator but counts."""
    folder.mkdir(parents=True)
    (folder / "pipc_leaked_list.txt").write_text(
        f"유출 명단 사본. 연락처 {PHONE}. The list was sold by {COMPANY} to a broker.", encoding="utf-8")
    return folder


def police_case(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for i in range(1, MEMOS + 1):
        (folder / f"memo_{i:02d}.txt").write_text(memo_text(i), encoding="utf-8")
    (folder / "audit_report.pdf").write_bytes(tiny_pdf(PDF_PAGES))
    mail_thread(folder)
    near_duplicates(folder)
    contact_sheet(folder)
    return folder


def clerk_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("압수물/비공개_메모_1.txt", "쿠팡 비공개 압수 자료 첫째. 공유하지 않는 사건 K3.")
        archive.writestr("압수물/비공개_메모_2.txt", "쿠팡 비공개 압수 자료 둘째. 공유하지 않는 사건 K3.")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """uvicorn serving one application in a background thread."""

    def __init__(self, app, port: int) -> None:  # noqa: ANN001
        import uvicorn

        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, name="workbench-server", daemon=True)

    def __enter__(self) -> "Server":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the workbench server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
