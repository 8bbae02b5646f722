from xuedang.core.masking import mask_document, mask_email, mask_name, mask_phone


def test_documents_phones_emails_and_names_are_masked_as_shown_to_others() -> None:
    assert mask_document("11010519491231002X") == "110105********002X"
    assert mask_document("110105491231002") == "110105*****1002"
    assert mask_document("E12345678") == "E1*****78"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_email("zhang.san@example.com") == "z***@example.com"
    assert mask_name("张三") == "*三"
    assert mask_name("吉𠮷") == "*𠮷"
    assert mask_name("阿依古丽·买买提") == "阿" + "*" * 6 + "提"
    assert mask_document("") == ""
    assert mask_phone("") == ""
