"""Mail: headers, bodies, attachments, charsets."""

from __future__ import annotations

from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from extractors import Status, extract_path


def test_msg_subject_sender_attachments(corpus, ctx):
    r = extract_path(corpus / "email/tika/testMSG_att_doc.msg", ctx)
    assert r.metadata["subject"] == "test pièce jointe 1"
    assert {c.name for c in r.children} == {"test-unicode.doc", "pj1.txt"}
    m = extract_path(corpus / "email/tika/testMSG.msg", ctx)
    assert m.metadata["subject"] == "MIME registry use cases"
    assert m.metadata["from"] == ["Jukka Zitting <jukka.zitting@gmail.com>"]


def test_msg_big5_codepage(corpus, ctx):
    r = extract_path(corpus / "email/tika/testMSG_chinese.msg", ctx)
    assert "格式測試" in r.metadata["subject"] and "張毓倫" in r.metadata["from"][0]


def test_eml_headers_and_attachments(corpus, ctx):
    r = extract_path(corpus / "email/tika/testRFC822_multipart_attachments.eml", ctx)
    assert r.metadata["subject"] == "EML 1"
    assert [c.name for c in r.children] == ["Test TxtA.txt", "Test TxtB.txt"]
    png = extract_path(corpus / "email/tika/testEmailWithPNGAtt.eml", ctx)
    assert png.metadata["from"] == ["Tika Test <XXXX@apache.org>"] and png.children[0].name == "testPNG.png"


def test_raw_utf8_header_and_8bit_filename(corpus, ctx):
    r = extract_path(corpus / "email/hoover-testdata/broken-subject.eml", ctx)
    assert r.metadata["subject"] == "Așa crapă headerul fleșcăit"
    m = extract_path(corpus / "email/mail-parser/mail_test_1", ctx)
    assert m.children[0].name == "ФНС_РФ558.zip"


def test_pst_mbox_emlx(corpus, ctx):
    pst = extract_path(corpus / "email/hoover-testdata/flags_jane_doe.pst", ctx)
    assert pst.status == Status.OK and len(pst.children) == pst.metadata["messages"] > 0
    box = extract_path(corpus / "email/hoover-testdata/2018-March.txt", ctx)
    assert box.content_type == "application/mbox" and len(box.children) > 1
    emlx = extract_path(corpus / "email/tika/testEMLX.emlx", ctx)
    assert "TIKA-461" in emlx.metadata["subject"]


def test_pgp_body_is_encrypted(corpus, ctx):
    r = extract_path(corpus / "email/hoover-testdata/encrypted-machine-learning-comes.eml", ctx)
    assert r.status == Status.ENCRYPTED and "Machine Learning" in r.metadata["subject"]


def test_generated_korean_mail(tmp_path, ctx):
    msg = MIMEMultipart()
    msg["From"] = str(Header("김철수", "euc-kr")) + " <kim@example.kr>"
    msg["To"] = "lee@example.kr"
    msg["Cc"] = "park@example.kr"
    msg["Bcc"] = "choi@example.kr"
    msg["Subject"] = Header("입찰 담합 관련 자료", "euc-kr")
    msg["Message-ID"] = "<abc@example.kr>"
    msg["In-Reply-To"] = "<prev@example.kr>"
    msg["References"] = "<root@example.kr> <prev@example.kr>"
    msg["Date"] = "Tue, 05 Mar 2024 10:00:00 +0900"
    msg.attach(MIMEText("회의록을 첨부합니다. 확인 바랍니다.", "plain", "euc-kr"))
    msg.attach(MIMEText("<p>大五碼 測試</p>", "html", "big5"))
    att = MIMEApplication(b"%PDF-1.4 fake", Name="보고서.pdf")
    att.add_header("Content-Disposition", "attachment", filename=("utf-8", "", "보고서.pdf"))
    msg.attach(att)
    path = tmp_path / "k.eml"
    path.write_bytes(msg.as_bytes())
    r = extract_path(path, ctx)
    m = r.metadata
    assert m["subject"] == "입찰 담합 관련 자료" and m["from"] == ["김철수 <kim@example.kr>"]
    assert m["cc"] == ["park@example.kr"] and m["bcc"] == ["choi@example.kr"]
    assert m["message_id"] == "<abc@example.kr>" and m["in_reply_to"] == "<prev@example.kr>"
    assert m["references"] == ["<root@example.kr>", "<prev@example.kr>"]
    assert m["date"] == "2024-03-05T10:00:00+09:00"
    assert "회의록을 첨부합니다." in r.text and r.language == "ko"
    assert [c.name for c in r.children] == ["보고서.pdf"]


def test_children_dropped_below_depth_limit(corpus, ctx):
    import dataclasses

    deep = dataclasses.replace(ctx, depth=ctx.limits.archive_max_depth)
    r = extract_path(corpus / "email/tika/testRFC822_multipart_attachments.eml", deep)
    assert r.status == Status.PARTIAL and not r.children and "nesting depth" in r.reason
    shallow = extract_path(corpus / "email/tika/testRFC822_multipart_attachments.eml", ctx)
    assert all(c.content_type == "text/plain" for c in shallow.children)


def test_undeclared_cp949_and_big5_bodies(tmp_path, ctx):
    raw = (
        b"From: " + "홍길동".encode("cp949") + b" <hong@example.kr>\r\n"
        b"To: kim@example.kr\r\nSubject: " + "견적서 송부".encode("cp949") + b"\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "요청하신 견적서를 보내드립니다. 확인 부탁드립니다.".encode("cp949") + b"\r\n"
        b"--XX\r\nContent-Type: text/plain; charset=big5\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + __import__("base64").b64encode("報價單已寄出，請查收。".encode("big5")) + b"\r\n--XX--\r\n"
    )
    path = tmp_path / "legacy.eml"
    path.write_bytes(raw)
    r = extract_path(path, ctx)
    assert r.metadata["subject"] == "견적서 송부" and r.metadata["from"] == ["홍길동 <hong@example.kr>"]
    assert "요청하신 견적서를 보내드립니다." in r.text and "報價單已寄出" in r.text


def test_msg_recipient_table_gives_cc_and_bcc(corpus, ctx):
    r = extract_path(corpus / "email/poi/example_sent_unicode.msg", ctx)
    assert "Roy Wetherall <roy.wetherall@alfresco.com>" in r.metadata["cc"]
    assert r.metadata["bcc"] == ["David Caruana <dave.caruana@alfresco.com>", "Vonka Jan <jan.vonka@alfresco.com>"]


def test_attached_message_sent_base64_encoded_is_the_message(tmp_path, ctx):
    """An attached message/rfc822 part with a base64 (or quoted-printable) transfer encoding, as GroupWise sends
    it: the attachment is the decoded message, and no base64 reaches the body of the outer one."""
    import base64

    from extractors import extract_tree

    inner = ("From: 김민수 <kim@example.org>\r\nSubject: 송금 확인\r\nContent-Type: text/plain; charset=utf-8\r\n"
             "Content-Transfer-Encoding: 8bit\r\n\r\n3월 2일 송금 내역을 확인했습니다.\r\n").encode("utf-8")
    encoded = base64.encodebytes(inner).decode("ascii")
    outer = ("From: GroupWise <gw@example.org>\r\nSubject: fwd\r\nMIME-Version: 1.0\r\n"
             'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
             "--b1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
             '--b1\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n'
             'Content-Disposition: attachment; filename="transfer.eml"\r\n\r\n' + encoded + "--b1--\r\n")
    path = tmp_path / "groupwise.eml"
    path.write_bytes(outer.encode("ascii"))
    tree = extract_tree(path, ctx)
    assert tree.result.status == Status.OK and encoded.splitlines()[0] not in tree.result.text
    (attached,) = [n for n in tree.walk() if n.name == "transfer.eml"]
    assert attached.result.status == Status.OK and "송금 내역을 확인했습니다" in attached.result.text
    assert attached.result.metadata.get("subject") == "송금 확인"


def test_corpus_groupwise_attached_message(corpus, ctx):
    from extractors import extract_tree

    tree = extract_tree(corpus / "email/tika/testGroupWiseEml.eml", ctx)
    assert "TWltZS1W" not in tree.result.text and "test2" in tree.result.text
    (attached,) = [n for n in tree.walk() if n.name == "test.eml"]
    assert attached.result.status == Status.OK and "Subject: test2" in attached.result.text
