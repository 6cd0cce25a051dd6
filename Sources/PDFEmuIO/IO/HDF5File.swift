import CFaultGuard
import CHDF5
import Foundation
import PDFEmuCore

/// The element class of a dataset or attribute on disk.
package enum HDF5ElementClass: String, Sendable {
    case float, integer, string, other
}

/// Shape and element class of a dataset.
package struct HDF5DatasetInfo: Sendable, Equatable {
    /// Dimensions (empty for a scalar).
    package var shape: [Int]
    /// Element class on disk.
    package var elementClass: HDF5ElementClass
    /// Element size in bytes on disk (for strings: the fixed length, or pointer size if variable).
    package var elementSize: Int
    /// Number of elements.
    package var count: Int { shape.reduce(1, *) }
}

/// Options for writing a dataset.
package struct HDF5WriteOptions: Sendable {
    /// Rows per chunk (0: contiguous, no compression).
    package var chunkRows: Int
    /// gzip level 1–9 (0: none); needs chunking.
    package var gzipLevel: Int
    /// Creates options; the default writes contiguous, uncompressed data.
    package init(chunkRows: Int = 0, gzipLevel: Int = 0) {
        self.chunkRows = chunkRows
        self.gzipLevel = gzipLevel
    }
    /// Contiguous and uncompressed.
    package static let plain = HDF5WriteOptions()
    /// Chunked by 4096 rows, shuffle + gzip level 4 (as h5py users commonly write).
    package static let compressed = HDF5WriteOptions(chunkRows: 4096, gzipLevel: 4)
}

/// An open HDF5 file. Owns its id (closed when the value ends); every object opened through it is
/// closed before the method that opened it returns. All paths are absolute within the file ("/chi2").
package struct HDF5File: ~Copyable {
    /// The file's path on disk.
    package let path: String
    /// The file's size in bytes when it was opened read-only (bounds what its datasets can really
    /// hold); -1 for a file opened for writing, whose size changes.
    package let fileSize: Int
    private let handle: H5Handle
    private let guardsFaults: Bool
    private var fid: hid_t { handle.id }

    deinit { if guardsFaults { pdfemu_fault_guard_leave() } }

    /// Opens an existing file. `writable` opens it read-write. While the file is open, a fault inside
    /// libhdf5 (which does not validate every structure of a damaged file) prints one line naming the
    /// file and exits with status 1 instead of crashing.
    package init(open path: String, writable: Bool = false) throws(HDF5Error) {
        H5.silence()
        pdfemu_fault_guard_enter("error: \(path): the HDF5 library crashed reading this file (damaged file?)")
        var opened = false
        defer { if !opened { pdfemu_fault_guard_leave() } }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw HDF5Error(file: path, object: "", message: "no such file")
        }
        if isDir.boolValue { throw HDF5Error(file: path, object: "", message: "is a directory, not an HDF5 file") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw HDF5Error(file: path, object: "", message: "permission denied")
        }
        var st = stat()
        let size = writable ? -1 : (stat(path, &st) == 0 ? Int(st.st_size) : -1)
        let isH5 = H5Fis_hdf5(path)
        if isH5 <= 0 {
            H5.clearErrors()
            throw HDF5Error(file: path, object: "", message: "not an HDF5 file (no HDF5 signature)")
        }
        let flags = writable ? pdfemu_H5F_ACC_RDWR() : pdfemu_H5F_ACC_RDONLY()
        let fid = H5Fopen(path, flags, pdfemu_H5P_DEFAULT())
        if fid < 0 {
            var buf = [CChar](repeating: 0, count: 512)
            pdfemu_h5_take_error(&buf, buf.count)
            let stack = String(cString: buf)
            if stack.contains("unable to lock file") {
                throw HDF5Error(file: path, object: "", message: "file is locked: another program has it open for writing "
                                + "(close it, or set HDF5_USE_FILE_LOCKING=FALSE if the file system does not support locks)")
            }
            throw HDF5Error(file: path, object: "", message: "cannot open HDF5 file (damaged or truncated?)"
                            + (stack.isEmpty ? "" : " (\(stack.split(whereSeparator: \.isNewline).joined(separator: " ")))"))
        }
        self.path = path
        self.fileSize = size
        self.handle = H5Handle(fid, .file)
        self.guardsFaults = true
        opened = true
    }

    /// Creates a new file, replacing any file at `path`. Prefer `AtomicFile` for user-visible output.
    package init(create path: String) throws(HDF5Error) {
        H5.silence()
        let id = try H5.check(H5Fcreate(path, pdfemu_H5F_ACC_TRUNC(), pdfemu_H5P_DEFAULT(), pdfemu_H5P_DEFAULT()),
                              file: path, object: "", "cannot create HDF5 file")
        self.path = path
        self.fileSize = -1
        self.guardsFaults = false
        self.handle = H5Handle(id, .file)
    }

    /// Flushes buffered writes to disk.
    package func flush() throws(HDF5Error) {
        try H5.check(H5Fflush(fid, H5F_SCOPE_GLOBAL), file: path, object: "", "cannot flush")
    }

    // MARK: - Structure

    /// True if a link exists at `object` (each intermediate group must exist too).
    package func exists(_ object: String) -> Bool {
        H5.silence()
        let parts = object.split(separator: "/").map(String.init)
        var prefix = ""
        for p in parts {
            prefix += "/" + p
            let r = H5Lexists(fid, prefix, pdfemu_H5P_DEFAULT())
            if r <= 0 { H5.clearErrors(); return false }
        }
        return true
    }

    /// If `object` is an external link, its target ("other.h5:/chi2"); nil for any other object.
    package func externalLinkTarget(_ object: String) -> String? {
        H5.silence()
        guard exists(object) else { return nil }
        var info = H5L_info_t()
        guard H5Lget_info(fid, object, &info, pdfemu_H5P_DEFAULT()) >= 0 else { H5.clearErrors(); return nil }
        guard info.type == H5L_TYPE_EXTERNAL else { return nil }
        let size = info.u.val_size
        guard size > 0, size < 1 << 16 else { return "?" }
        var buf = [UInt8](repeating: 0, count: size)
        guard H5Lget_val(fid, object, &buf, size, pdfemu_H5P_DEFAULT()) >= 0 else { H5.clearErrors(); return "?" }
        var flags: UInt32 = 0
        var fileName: UnsafePointer<CChar>?, objName: UnsafePointer<CChar>?
        guard H5Lunpack_elink_val(buf, size, &flags, &fileName, &objName) >= 0, let fileName, let objName else {
            H5.clearErrors(); return "?"
        }
        return String(cString: fileName) + ":" + String(cString: objName)
    }

    /// Creates an external link at `object` to `target` in file `file` (for tests and tools).
    package func createExternalLink(_ object: String, file: String, target: String) throws(HDF5Error) {
        try ensureParent(object)
        try check(H5Lcreate_external(file, target, fid, object, pdfemu_H5P_DEFAULT(), pdfemu_H5P_DEFAULT()), object,
                  "cannot create external link")
    }

    /// Throws one line if `object` is an external link whose target cannot be opened.
    package func validateLink(_ object: String) throws(HDF5Error) {
        guard let target = externalLinkTarget(object), !isDataset(object) else { return }
        throw HDF5Error(file: path, object: object, message: "is an external link to \(target), which cannot be opened (missing file?)")
    }

    /// True if `object` is a dataset.
    package func isDataset(_ object: String) -> Bool {
        guard exists(object) else { return false }
        var info = H5O_info_t()
        guard H5Oget_info_by_name2(fid, object, &info, UInt32(H5O_INFO_BASIC), pdfemu_H5P_DEFAULT()) >= 0 else {
            H5.clearErrors(); return false
        }
        return info.type == H5O_TYPE_DATASET
    }

    /// Names of the members of a group, in name order.
    package func members(of group: String = "/") throws(HDF5Error) -> [String] {
        H5.silence()
        let g = try openGroup(group)
        var info = H5G_info_t()
        try check(H5Gget_info(g.id, &info), group, "cannot read group info")
        var names: [String] = []
        for i in 0..<info.nlinks {
            let n = H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, pdfemu_H5P_DEFAULT())
            try check(n, group, "cannot read member name")
            var buf = [CChar](repeating: 0, count: Int(n) + 1)
            try check(H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, buf.count,
                                         pdfemu_H5P_DEFAULT()), group, "cannot read member name")
            names.append(String(cString: buf))
        }
        return names
    }

    /// Creates a group (and missing parents).
    package func createGroup(_ group: String) throws(HDF5Error) {
        H5.silence()
        if exists(group) { return }
        let lcpl = H5Handle(try check(H5Pcreate(pdfemu_H5P_LINK_CREATE()), group, "cannot create plist"), .plist)
        try check(H5Pset_create_intermediate_group(lcpl.id, 1), group, "cannot set plist")
        let g = try check(H5Gcreate2(fid, group, lcpl.id, pdfemu_H5P_DEFAULT(), pdfemu_H5P_DEFAULT()), group,
                          "cannot create group")
        H5Gclose(g)
    }

    /// Shape and element class of a dataset.
    package func info(_ object: String) throws(HDF5Error) -> HDF5DatasetInfo {
        let d = try openDataset(object)
        return try datasetInfo(d.id, object)
    }

    // MARK: - Reading

    /// Reads a numeric dataset of any rank as `T` (HDF5 converts from the stored type), with its shape.
    package func read<T: HDF5Numeric>(_ object: String, as: T.Type = T.self) throws(HDF5Error) -> (shape: [Int], values: [T]) {
        let d = try openDataset(object)
        let info = try datasetInfo(d.id, object)
        guard info.elementClass == .float || info.elementClass == .integer else {
            throw HDF5Error(file: path, object: object,
                            message: "is a \(info.elementClass.rawValue) dataset, expected numbers")
        }
        try validateSize(d.id, object, info: info, memoryElement: MemoryLayout<T>.stride)
        var values = [T](repeating: T.h5Zero, count: info.count)
        if info.count > 0 {
            let status = values.withUnsafeMutableBytes { buf in
                H5Dread(d.id, T.h5MemoryType, pdfemu_H5S_ALL(), pdfemu_H5S_ALL(), pdfemu_H5P_DEFAULT(), buf.baseAddress)
            }
            try check(status, object, "cannot read data (damaged or truncated file?)")
        }
        return (info.shape, values)
    }

    /// Reads a string dataset (fixed- or variable-length, any rank), flattened.
    package func readStrings(_ object: String) throws(HDF5Error) -> [String] {
        let d = try openDataset(object)
        let info = try datasetInfo(d.id, object)
        guard info.elementClass == .string else {
            throw HDF5Error(file: path, object: object, message: "is a \(info.elementClass.rawValue) dataset, expected strings")
        }
        try validateSize(d.id, object, info: info, memoryElement: max(info.elementSize + 1, MemoryLayout<UnsafeRawPointer>.stride))
        let ftype = H5Handle(try check(H5Dget_type(d.id), object, "cannot read type"), .datatype)
        return try readStringData(object: object, type: ftype.id, count: info.count) { mtype, buf throws(HDF5Error) in
            try self.check(H5Dread(d.id, mtype, pdfemu_H5S_ALL(), pdfemu_H5S_ALL(), pdfemu_H5P_DEFAULT(), buf),
                           object, "cannot read strings")
        } reclaim: { mtype, buf in
            let space = H5Dget_space(d.id)
            H5Dvlen_reclaim(mtype, space, pdfemu_H5P_DEFAULT(), buf)
            H5Sclose(space)
        }
    }

    /// Names of the attributes attached to `object`.
    package func attributeNames(of object: String = "/") throws(HDF5Error) -> [String] {
        H5.silence()
        let o = H5Handle(try check(H5Oopen(fid, object, pdfemu_H5P_DEFAULT()), object, "cannot open object"), .object)
        var info = H5O_info_t()
        try check(H5Oget_info2(o.id, &info, UInt32(H5O_INFO_NUM_ATTRS)), object, "cannot read object info")
        var names: [String] = []
        for i in 0..<info.num_attrs {
            let n = H5Aget_name_by_idx(o.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, pdfemu_H5P_DEFAULT())
            try check(n, object, "cannot read attribute name")
            var buf = [CChar](repeating: 0, count: Int(n) + 1)
            try check(H5Aget_name_by_idx(o.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, buf.count, pdfemu_H5P_DEFAULT()),
                      object, "cannot read attribute name")
            names.append(String(cString: buf))
        }
        return names
    }

    /// True if `object` has attribute `name`.
    package func hasAttribute(_ name: String, of object: String = "/") -> Bool {
        H5.silence()
        let r = H5Aexists_by_name(fid, object, name, pdfemu_H5P_DEFAULT())
        if r < 0 { H5.clearErrors() }
        return r > 0
    }

    /// Reads a string attribute (scalar or 1-element; fixed or variable length).
    package func readStringAttribute(_ name: String, of object: String = "/") throws(HDF5Error) -> String {
        let where_ = attrLabel(name, object)
        let a = try openAttribute(name, object)
        let ftype = H5Handle(try check(H5Aget_type(a.id), where_, "cannot read type"), .datatype)
        guard H5Tget_class(ftype.id) == H5T_STRING else {
            // Numbers are rendered as text so provenance attributes of any type can be shown.
            let v: [Double] = try readNumericAttribute(name, of: object)
            return v.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int64($0)) : String($0) }.joined(separator: ", ")
        }
        let space = H5Handle(try check(H5Aget_space(a.id), where_, "cannot read space"), .dataspace)
        let count = try attributeCount(space.id, where_, elementSize: H5Tget_size(ftype.id))
        let strings = try readStringData(object: where_, type: ftype.id, count: count) { mtype, buf throws(HDF5Error) in
            try self.check(H5Aread(a.id, mtype, buf), where_, "cannot read attribute")
        } reclaim: { mtype, buf in
            H5Dvlen_reclaim(mtype, space.id, pdfemu_H5P_DEFAULT(), buf)
        }
        return strings.joined(separator: "\n")
    }

    /// Reads a numeric attribute as `T`.
    package func readNumericAttribute<T: HDF5Numeric>(_ name: String, of object: String = "/") throws(HDF5Error) -> [T] {
        let where_ = attrLabel(name, object)
        let a = try openAttribute(name, object)
        let ftype = H5Handle(try check(H5Aget_type(a.id), where_, "cannot read type"), .datatype)
        let cls = H5Tget_class(ftype.id)
        guard cls == H5T_FLOAT || cls == H5T_INTEGER else {
            throw HDF5Error(file: path, object: where_, message: "is not numeric")
        }
        let space = H5Handle(try check(H5Aget_space(a.id), where_, "cannot read space"), .dataspace)
        let count = try attributeCount(space.id, where_, elementSize: H5Tget_size(ftype.id))
        var values = [T](repeating: T.h5Zero, count: count)
        let status = values.withUnsafeMutableBytes { H5Aread(a.id, T.h5MemoryType, $0.baseAddress) }
        try check(status, where_, "cannot read attribute")
        return values
    }

    // MARK: - Writing

    /// Writes a numeric dataset with `shape` (row-major), replacing nothing: the path must be new.
    package func write<T: HDF5Numeric>(_ object: String, _ values: [T], shape: [Int],
                                      options: HDF5WriteOptions = .plain) throws(HDF5Error) {
        guard shape.reduce(1, *) == values.count else {
            throw HDF5Error(file: path, object: object, message: "shape \(shape) does not hold \(values.count) values")
        }
        try ensureParent(object)
        let dims = shape.map { hsize_t($0) }
        let space = H5Handle(try check(H5Screate_simple(Int32(dims.count), dims, nil), object, "cannot create dataspace"), .dataspace)
        let dcpl = try creationList(object, shape: shape, options: options)
        let d = H5Handle(try check(H5Dcreate2(fid, object, T.h5MemoryType, space.id, pdfemu_H5P_DEFAULT(), dcpl.id,
                                              pdfemu_H5P_DEFAULT()), object, "cannot create dataset"), .dataset)
        if !values.isEmpty {
            let status = values.withUnsafeBytes {
                H5Dwrite(d.id, T.h5MemoryType, pdfemu_H5S_ALL(), pdfemu_H5S_ALL(), pdfemu_H5P_DEFAULT(), $0.baseAddress)
            }
            try check(status, object, "cannot write dataset")
        }
    }

    /// Writes a 1-D dataset of variable-length UTF-8 strings.
    package func writeStrings(_ object: String, _ strings: [String]) throws(HDF5Error) {
        try ensureParent(object)
        let t = try vlenStringType(object)
        let space = H5Handle(try check(H5Screate_simple(1, [hsize_t(strings.count)], nil), object, "cannot create dataspace"), .dataspace)
        let d = H5Handle(try check(H5Dcreate2(fid, object, t.id, space.id, pdfemu_H5P_DEFAULT(), pdfemu_H5P_DEFAULT(),
                                              pdfemu_H5P_DEFAULT()), object, "cannot create dataset"), .dataset)
        let status = withCStringArray(strings) { ptrs in
            H5Dwrite(d.id, t.id, pdfemu_H5S_ALL(), pdfemu_H5S_ALL(), pdfemu_H5P_DEFAULT(), ptrs)
        }
        try check(status, object, "cannot write strings")
    }

    /// Writes (or replaces) a scalar variable-length string attribute.
    package func writeAttribute(_ name: String, _ value: String, of object: String = "/") throws(HDF5Error) {
        let where_ = attrLabel(name, object)
        try deleteAttributeIfPresent(name, object)
        let t = try vlenStringType(where_)
        let space = H5Handle(try check(H5Screate(H5S_SCALAR), where_, "cannot create dataspace"), .dataspace)
        let a = H5Handle(try check(H5Acreate_by_name(fid, object, name, t.id, space.id, pdfemu_H5P_DEFAULT(),
                                                     pdfemu_H5P_DEFAULT(), pdfemu_H5P_DEFAULT()), where_, "cannot create attribute"), .attribute)
        let status = withCStringArray([value]) { H5Awrite(a.id, t.id, $0) }
        try check(status, where_, "cannot write attribute")
    }

    /// Writes (or replaces) a numeric attribute (scalar when one value).
    package func writeAttribute<T: HDF5Numeric>(_ name: String, _ values: [T], of object: String = "/") throws(HDF5Error) {
        let where_ = attrLabel(name, object)
        try deleteAttributeIfPresent(name, object)
        let space = H5Handle(values.count == 1
                             ? try check(H5Screate(H5S_SCALAR), where_, "cannot create dataspace")
                             : try check(H5Screate_simple(1, [hsize_t(values.count)], nil), where_, "cannot create dataspace"),
                             .dataspace)
        let a = H5Handle(try check(H5Acreate_by_name(fid, object, name, T.h5MemoryType, space.id, pdfemu_H5P_DEFAULT(),
                                                     pdfemu_H5P_DEFAULT(), pdfemu_H5P_DEFAULT()), where_, "cannot create attribute"), .attribute)
        let status = values.withUnsafeBytes { H5Awrite(a.id, T.h5MemoryType, $0.baseAddress) }
        try check(status, where_, "cannot write attribute")
    }

    // MARK: - Internals

    @discardableResult
    func check<I: BinaryInteger>(_ status: I, _ object: String, _ what: @autoclosure () -> String) throws(HDF5Error) -> I {
        try H5.check(status, file: path, object: object, what())
    }

    private func attrLabel(_ name: String, _ object: String) -> String {
        object == "/" ? "attribute '\(name)'" : "\(object) attribute '\(name)'"
    }

    private func openDataset(_ object: String) throws(HDF5Error) -> H5Handle {
        H5.silence()
        guard exists(object) else { throw HDF5Error(file: path, object: object, message: "no such dataset") }
        try validateLink(object)
        guard isDataset(object) else { throw HDF5Error(file: path, object: object, message: "is not a dataset") }
        return H5Handle(try check(H5Dopen2(fid, object, pdfemu_H5P_DEFAULT()), object,
                                  "cannot open dataset (damaged file?)"), .dataset)
    }

    private func openGroup(_ group: String) throws(HDF5Error) -> H5Handle {
        guard group == "/" || exists(group) else { throw HDF5Error(file: path, object: group, message: "no such group") }
        return H5Handle(try check(H5Gopen2(fid, group, pdfemu_H5P_DEFAULT()), group, "cannot open group"), .group)
    }

    private func openAttribute(_ name: String, _ object: String) throws(HDF5Error) -> H5Handle {
        H5.silence()
        guard hasAttribute(name, of: object) else {
            throw HDF5Error(file: path, object: attrLabel(name, object), message: "no such attribute")
        }
        return H5Handle(try check(H5Aopen_by_name(fid, object, name, pdfemu_H5P_DEFAULT(), pdfemu_H5P_DEFAULT()),
                                  attrLabel(name, object), "cannot open attribute"), .attribute)
    }

    private func deleteAttributeIfPresent(_ name: String, _ object: String) throws(HDF5Error) {
        if hasAttribute(name, of: object) {
            try check(H5Adelete_by_name(fid, object, name, pdfemu_H5P_DEFAULT()), attrLabel(name, object), "cannot replace attribute")
        }
    }

    private func datasetInfo(_ did: hid_t, _ object: String) throws(HDF5Error) -> HDF5DatasetInfo {
        let space = H5Handle(try check(H5Dget_space(did), object, "cannot read dataspace"), .dataspace)
        let rank = try check(H5Sget_simple_extent_ndims(space.id), object, "cannot read rank")
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0 { try check(H5Sget_simple_extent_dims(space.id, &dims, nil), object, "cannot read dimensions") }
        let type = H5Handle(try check(H5Dget_type(did), object, "cannot read datatype"), .datatype)
        let cls: HDF5ElementClass
        switch H5Tget_class(type.id) {
        case H5T_FLOAT: cls = .float
        case H5T_INTEGER: cls = .integer
        case H5T_STRING: cls = .string
        default: cls = .other
        }
        var total = 1
        for d in dims {
            guard d <= hsize_t(Int.max) else { throw HDF5Error(file: path, object: object, message: "dimension \(d) is too large (damaged file?)") }
            let (t, overflow) = total.multipliedReportingOverflow(by: Int(d))
            guard !overflow else { throw HDF5Error(file: path, object: object, message: "shape \(dims) is too large (damaged file?)") }
            total = t
        }
        return HDF5DatasetInfo(shape: dims.map { Int($0) }, elementClass: cls, elementSize: H5Tget_size(type.id))
    }

    /// The most bytes a dataset read may allocate: half the physical memory.
    static let memoryLimit = Int(min(ProcessInfo.processInfo.physicalMemory / 2, UInt64(Int.max)))

    /// Throws before a read allocates more than the file can really hold: a contiguous or compact dataset
    /// cannot be larger than the file, a chunked (compressed) one not more than deflate's ~1032:1 ratio
    /// beyond it, and no read may take more than `memoryLimit`.
    private func validateSize(_ did: hid_t, _ object: String, info: HDF5DatasetInfo, memoryElement: Int) throws(HDF5Error) {
        let (onDisk, o1) = info.count.multipliedReportingOverflow(by: max(1, info.elementSize))
        let (inMemory, o2) = info.count.multipliedReportingOverflow(by: max(1, memoryElement))
        let dcpl = H5Dget_create_plist(did)
        let layout = dcpl >= 0 ? H5Pget_layout(dcpl) : H5D_CONTIGUOUS
        if dcpl >= 0 { H5Pclose(dcpl) } else { H5.clearErrors() }
        let ratio = layout == H5D_CHUNKED ? 1100 : 1
        let (fileBound, o3) = max(fileSize, 1).multipliedReportingOverflow(by: ratio)
        if o1 || o2 || (fileSize >= 0 && !o3 && onDisk > fileBound + 4096) {
            throw HDF5Error(file: path, object: object, message: "declares \(info.shape) elements (\(o1 ? "more than \(Int.max)" : "\(onDisk)") bytes) "
                            + "but the file has \(fileSize) bytes (damaged file?)")
        }
        if inMemory > Self.memoryLimit {
            throw HDF5Error(file: path, object: object, message: "shape \(info.shape) needs \(inMemory) bytes, more than half the memory (\(Self.memoryLimit))")
        }
    }

    /// Number of elements of an attribute's dataspace, checked against the file's size.
    private func attributeCount(_ space: hid_t, _ label: String, elementSize: Int) throws(HDF5Error) -> Int {
        let n = H5Sget_simple_extent_npoints(space)
        guard n >= 0 else { throw HDF5Error(file: path, object: label, message: "cannot read attribute size (damaged file?)") }
        let count = Int(max(1, n))
        let (bytes, overflow) = count.multipliedReportingOverflow(by: max(1, elementSize))
        guard !overflow, fileSize < 0 || bytes <= fileSize + 4096 else {
            throw HDF5Error(file: path, object: label, message: "declares \(count) elements but the file has \(fileSize) bytes (damaged file?)")
        }
        return count
    }

    private func readStringData(object: String, type ftype: hid_t, count: Int,
                                read: (hid_t, UnsafeMutableRawPointer) throws(HDF5Error) -> Void,
                                reclaim: (hid_t, UnsafeMutableRawPointer) -> Void) throws(HDF5Error) -> [String] {
        let isVariable = try check(H5Tis_variable_str(ftype), object, "cannot read string type") > 0
        let mtype = H5Handle(try check(H5Tcopy(pdfemu_H5T_C_S1()), object, "cannot copy type"), .datatype)
        if isVariable {
            // Variable-length strings live in the global heap, where libhdf5 can loop forever on damage.
            pdfemu_watchdog_arm(20, "error: \(path): \(object): the HDF5 library hangs reading these strings (damaged file?)")
            defer { pdfemu_watchdog_disarm() }
            try check(H5Tset_size(mtype.id, pdfemu_H5T_VARIABLE()), object, "cannot set type size")
            try check(H5Tset_cset(mtype.id, H5Tget_cset(ftype)), object, "cannot set charset")
            var ptrs = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            var result: [String] = []
            var failure: HDF5Error?
            ptrs.withUnsafeMutableBufferPointer { buf in
                let raw = UnsafeMutableRawPointer(buf.baseAddress!)
                do {
                    try read(mtype.id, raw)
                    result = buf.map { $0.map { String(cString: $0) } ?? "" }
                    reclaim(mtype.id, raw)
                } catch let e as HDF5Error { failure = e } catch {}
            }
            if let failure { throw failure }
            return result
        } else {
            // One byte more than on disk: HDF5 converts NUL-padded strings to NUL-terminated ones.
            let size = H5Tget_size(ftype) + 1
            try check(H5Tset_size(mtype.id, size), object, "cannot set type size")
            var bytes = [UInt8](repeating: 0, count: max(1, size * count))
            var failure: HDF5Error?
            bytes.withUnsafeMutableBytes { buf in
                do { try read(mtype.id, buf.baseAddress!) } catch let e as HDF5Error { failure = e } catch {}
            }
            if let failure { throw failure }
            return (0..<count).map { i in
                let slice = bytes[(i * size)..<((i + 1) * size)]
                let trimmed = slice.prefix { $0 != 0 }
                return String(decoding: trimmed, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            }
        }
    }

    private func vlenStringType(_ object: String) throws(HDF5Error) -> H5Handle {
        let t = H5Handle(try check(H5Tcopy(pdfemu_H5T_C_S1()), object, "cannot copy type"), .datatype)
        try check(H5Tset_size(t.id, pdfemu_H5T_VARIABLE()), object, "cannot set type size")
        try check(H5Tset_cset(t.id, H5T_CSET_UTF8), object, "cannot set charset")
        return t
    }

    private func creationList(_ object: String, shape: [Int], options: HDF5WriteOptions) throws(HDF5Error) -> H5Handle {
        let dcpl = H5Handle(try check(H5Pcreate(pdfemu_H5P_DATASET_CREATE()), object, "cannot create plist"), .plist)
        if options.chunkRows > 0, let rows = shape.first, rows > 0 {
            var chunk = shape.map { hsize_t(max(1, $0)) }
            chunk[0] = hsize_t(min(rows, options.chunkRows))
            try check(H5Pset_chunk(dcpl.id, Int32(chunk.count), chunk), object, "cannot set chunking")
            if options.gzipLevel > 0 {
                try check(H5Pset_shuffle(dcpl.id), object, "cannot set shuffle")
                try check(H5Pset_deflate(dcpl.id, UInt32(options.gzipLevel)), object, "cannot set gzip")
            }
        }
        return dcpl
    }

    private func ensureParent(_ object: String) throws(HDF5Error) {
        H5.silence()
        guard let slash = object.lastIndex(of: "/"), slash != object.startIndex else { return }
        try createGroup(String(object[..<slash]))
    }
}

/// Calls `body` with a C array of NUL-terminated copies of `strings`.
func withCStringArray<R>(_ strings: [String], _ body: (UnsafeRawPointer) -> R) -> R {
    let cstrs = strings.map { strdup($0) }
    defer { cstrs.forEach { free($0) } }
    return cstrs.withUnsafeBufferPointer { body(UnsafeRawPointer($0.baseAddress!)) }
}
