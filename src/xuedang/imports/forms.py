from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms

from xuedang.imports.models import ImportKind
from xuedang.imports.parsing import MAX_BYTES

if TYPE_CHECKING:
    from xuedang.institutions.models import Institution


class UploadForm(forms.Form):
    institution: forms.ModelChoiceField[Institution] = forms.ModelChoiceField(
        queryset=None,
        label="学校 / institution",
        empty_label=None,
        error_messages={
            "required": "请选择学校 / choose the institution",
            "invalid_choice": "不能为该学校导入 / you cannot import for this institution",
        },
    )
    kind = forms.ChoiceField(
        choices=ImportKind.choices,
        label="数据类型 / kind of file",
        error_messages={
            "required": "请选择数据类型 / choose the kind of file",
            "invalid_choice": "数据类型无效 / unknown kind of file",
        },
    )
    file = forms.FileField(
        label="文件（XLSX 或 CSV）/ file (XLSX or CSV)",
        error_messages={
            "required": "请选择要上传的文件 / choose a file to upload",
            "empty": "文件为空 / the file is empty",
            "invalid": "未收到文件，请重新选择 / no file was received; choose it again",
            "missing": "未收到文件，请重新选择 / no file was received; choose it again",
        },
    )

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["institution"]).queryset = institutions

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"文件超过 {MAX_BYTES // 1024 // 1024} MB 上限 / the file is larger than {MAX_BYTES // 1024 // 1024} MB"
            )
        if upload.size == 0:
            raise forms.ValidationError("文件为空 / the file is empty")
        return upload
