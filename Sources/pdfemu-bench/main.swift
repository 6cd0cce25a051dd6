// pdfemu-bench: speed benchmarks of pdfemu, with every ratio measured side by side in one run.
//   pdfemu-bench                run every section
//   pdfemu-bench NAME...        run the named sections
//   pdfemu-bench --list         list the sections
import Foundation
import PDFEmu

func usage() -> String {
    "usage: pdfemu-bench [--list] [SECTION...]\nsections: " + BenchSection.all.map(\.name).joined(separator: ", ")
}

func main() -> Int32 {
    setvbuf(stdout, nil, _IOLBF, 0)  // line by line, also into a pipe or file: sections take minutes
    var args = Array(CommandLine.arguments.dropFirst())
    do {
        if args.first == "--child" {
            guard args.count >= 2, let section = BenchSection.all.first(where: { $0.name == args[1] }),
                  let child = section.child else { throw BenchError("--child needs a section with a child measurement") }
            print(try child(Array(args.dropFirst(2))))
            return 0
        }
        if args.contains("--help") || args.contains("-h") { print(usage()); return 0 }
        if args.first == "--list" {
            for s in BenchSection.all { print(pad(s.name, 12) + s.summary) }
            return 0
        }
        if args.isEmpty { args = BenchSection.all.map(\.name) }
        let chosen = try args.map { name in
            guard let s = BenchSection.all.first(where: { $0.name == name }) else {
                throw BenchError("unknown section '\(name)'\n" + usage())
            }
            return s
        }
        let info = try SystemInfo.current()
        print("pdfemu-bench \(info.pdfemu) — HDF5 \(info.hdf5), \(info.blas.library), "
              + "\(ProcessInfo.processInfo.activeProcessorCount) cores")
        for s in chosen {
            print("\n== \(s.name): \(s.summary)")
            try s.run()
        }
        return 0
    } catch {
        FileHandle.standardError.write(Data("error: \(userMessage(error))\n".utf8))
        return 1
    }
}

exit(main())
