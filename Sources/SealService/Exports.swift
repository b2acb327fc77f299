// Front ends import only SealService; the value types they display come from the lower modules.
@_exported public import SealArchive
@_exported public import SealCore
@_exported public import SealOFD
