"""Sample evidence the project writes itself: the demo batch and generated batches for tests and benchmarks."""

from __future__ import annotations

import random
from email.message import EmailMessage
from pathlib import Path

KO_LINES = [
    "쿠팡의 고객 개인정보 유출 사고에 대한 내부 보고서입니다. 유출 규모는 약 3370만 건으로 추정됩니다.",
    "쿠팡이 2025년 11월 개인정보보호위원회에 유출 사실을 신고하였다.",
    "퇴사한 직원이 인증 서명키를 이용해 고객 배송지 정보에 접근한 정황이 확인되었다.",
    "경찰청 사이버수사과는 압수수색을 통해 서버 접속 기록을 확보하였다.",
    "야간 배송 기사들의 근무 시간과 건강 검진 기록을 고용노동부에 제출하였다.",
    "회원 탈퇴 절차가 복잡하여 소비자 불만이 공정거래위원회에 다수 접수되었다.",
    "부정 결제 의심 거래 내역을 금융위원회가 카드사로부터 제출받았다.",
]
EN_LINES = [
    "Incident report: unauthorised access to customer shipping addresses was detected in November.",
    "The security team paid an external firm to review the access logs of the authentication server.",
    "Customers complained that cancelling the paid membership required seven separate steps.",
    "Police investigators requested international cooperation to trace the overseas IP addresses.",
    "Night shift rosters for delivery drivers show repeated work beyond 52 hours per week.",
    "The tax service asked for the ledger of payments made to subcontracted logistics companies.",
]


def write_demo_batch(target: Path) -> Path:
    """A small bilingual batch: text, Word, HTML and mail files."""
    target.mkdir(parents=True, exist_ok=True)
    (target / "보고서_유출사고.txt").write_text("\n".join(KO_LINES[:4]) + "\n", encoding="utf-8")
    (target / "incident_report.txt").write_text("\n".join(EN_LINES[:3]) + "\n", encoding="utf-8")
    (target / "민원_요약_cp949.txt").write_bytes(("\n".join(KO_LINES[4:]) + "\n").encode("cp949"))
    from docx import Document

    doc = Document()
    doc.add_heading("Joint task force memo / 합동조사단 메모", level=1)
    for line in (KO_LINES[1], EN_LINES[3], "연락처: 010-1234-5678, security@example.com"):
        doc.add_paragraph(line)
    doc.save(target / "memo.docx")
    (target / "notice.html").write_text(
        "<html><head><title>Breach notice</title></head><body><h1>개인정보 유출 안내</h1>"
        f"<p>{KO_LINES[0]}</p><p>{EN_LINES[0]}</p></body></html>",
        encoding="utf-8",
    )
    msg = EmailMessage()
    msg["From"] = "analyst@example.org"
    msg["To"] = "police@example.org"
    msg["Subject"] = "야간 근무 기록 / night shift records"
    msg["Date"] = "Mon, 01 Dec 2025 09:00:00 +0900"
    msg.set_content(KO_LINES[4] + "\n" + EN_LINES[4] + "\n")
    (target / "shift_records.eml").write_bytes(bytes(msg))
    return target


def write_generated_batch(target: Path, count: int, seed: int = 7) -> Path:
    """``count`` small text documents mixing Korean and English lines, spread over sub-folders."""
    rng = random.Random(seed)
    lines = KO_LINES + EN_LINES
    for i in range(count):
        folder = target / f"part{i // 200:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        body = [rng.choice(lines) for _ in range(rng.randint(3, 12))]
        body.append(f"문서 번호 {i:06d} / document {i:06d} / 담당자 연락처 010-{rng.randint(2000, 9999)}-"
                    f"{rng.randint(1000, 9999)}")
        (folder / f"doc{i:06d}.txt").write_text("\n".join(body) + "\n", encoding="utf-8")
    return target
