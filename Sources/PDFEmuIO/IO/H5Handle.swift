import CHDF5
import PDFEmuCore

/// The kind of HDF5 object an id refers to; decides which close function releases it.
enum H5Kind { case file, group, dataset, dataspace, datatype, attribute, plist, object }

/// One HDF5 id, owned: closed exactly once when the value ends.
struct H5Handle: ~Copyable {
    let id: hid_t
    let kind: H5Kind

    init(_ id: hid_t, _ kind: H5Kind) {
        self.id = id
        self.kind = kind
    }

    deinit {
        switch kind {
        case .file: H5Fclose(id)
        case .group: H5Gclose(id)
        case .dataset: H5Dclose(id)
        case .dataspace: H5Sclose(id)
        case .datatype: H5Tclose(id)
        case .attribute: H5Aclose(id)
        case .plist: H5Pclose(id)
        case .object: H5Oclose(id)
        }
    }
}
