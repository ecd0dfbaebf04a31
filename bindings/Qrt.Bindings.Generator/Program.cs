using System.Text;

namespace Qrt.Bindings.Generator;

/// <summary>
/// The command line: <c>--header native/include/qrt.h --output bindings/Qrt.Bindings/QrtNative.g.cs [--clang PATH] [--check]</c>.
/// Exit codes: 0 written or up to date, 1 --check found the file out of date, 2 error.
/// </summary>
internal static class Program
{
    private const string Usage =
        "usage: Qrt.Bindings.Generator --header <qrt.h> --output <QrtNative.g.cs> [--clang <path>] [--check]";

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    private static int Main(string[] args)
    {
        CommandLine options;
        try
        {
            options = CommandLine.Parse(args);
        }
        catch (ArgumentException exception)
        {
            Console.Error.WriteLine($"error: {exception.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }

        if (options.Help)
        {
            Console.WriteLine(Usage);
            Console.WriteLine("  --header  the C header to bind");
            Console.WriteLine("  --output  the C# file to write (or, with --check, to compare with)");
            Console.WriteLine($"  --clang   the clang to use (default: ${ClangLocator.EnvironmentVariable}, else {string.Join(", ", ClangLocator.CandidateNames)} on PATH)");
            Console.WriteLine("  --check   do not write: exit 1 if the output file differs from what would be generated");
            return 0;
        }

        try
        {
            return Run(options);
        }
        catch (BindingsGeneratorException exception)
        {
            Console.Error.WriteLine($"error: {exception.Message}");
            return 2;
        }
        catch (IOException exception)
        {
            Console.Error.WriteLine($"error: {exception.Message}");
            return 2;
        }
        catch (UnauthorizedAccessException exception)
        {
            Console.Error.WriteLine($"error: {exception.Message}");
            return 2;
        }
    }

    private static int Run(CommandLine options)
    {
        string clang;
        if (options.Clang is not null)
        {
            clang = ClangLocator.Resolve(options.Clang)
                ?? throw new BindingsGeneratorException($"clang not found: --clang {options.Clang} is neither an existing file nor a program on PATH.");
        }
        else
        {
            clang = ClangLocator.Find() ?? throw new BindingsGeneratorException(ClangLocator.DescribeNotFound());
        }

        var generated = BindingsGenerator.Generate(options.Header, clang);
        var header = BindingsGenerator.DisplayName(options.Header);
        var output = options.Output;

        if (options.Check)
        {
            if (!File.Exists(output))
            {
                Console.Error.WriteLine($"{output} does not exist; generate it with ./build.sh bindings.");
                return 1;
            }

            var committed = File.ReadAllText(output, Utf8NoBom);
            var difference = TextDifference.DescribeFirstDifference(
                committed, generated, $"{output} (committed)", $"{output} (generated from {header})");
            if (difference is null)
            {
                Console.WriteLine($"{output} is up to date with {header}.");
                return 0;
            }

            Console.Error.WriteLine($"{output} is out of date with {header}; regenerate it with ./build.sh bindings.");
            Console.Error.WriteLine(difference);
            return 1;
        }

        if (File.Exists(output) && File.ReadAllText(output, Utf8NoBom) == generated)
        {
            Console.WriteLine($"{output} is already up to date with {header}.");
            return 0;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(output));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(output, generated, Utf8NoBom);
        Console.WriteLine($"wrote {output} from {header}.");
        return 0;
    }

    private sealed record CommandLine(string Header, string Output, string? Clang, bool Check, bool Help)
    {
        public static CommandLine Parse(string[] args)
        {
            string? header = null;
            string? output = null;
            string? clang = null;
            var check = false;
            for (var i = 0; i < args.Length; i++)
            {
                var argument = args[i];
                string? inlineValue = null;
                var equals = argument.IndexOf('=', StringComparison.Ordinal);
                if (argument.StartsWith("--", StringComparison.Ordinal) && equals > 0)
                {
                    inlineValue = argument[(equals + 1)..];
                    argument = argument[..equals];
                }

                switch (argument)
                {
                    case "-h" or "--help" or "-?":
                        return new CommandLine(string.Empty, string.Empty, null, false, true);
                    case "--check":
                        check = true;
                        break;
                    case "--header":
                        header = Value(args, ref i, argument, inlineValue);
                        break;
                    case "--output":
                        output = Value(args, ref i, argument, inlineValue);
                        break;
                    case "--clang":
                        clang = Value(args, ref i, argument, inlineValue);
                        break;
                    default:
                        throw new ArgumentException($"unknown argument '{args[i]}'");
                }
            }

            if (header is null)
            {
                throw new ArgumentException("--header is required");
            }

            if (output is null)
            {
                throw new ArgumentException("--output is required");
            }

            return new CommandLine(header, output, clang, check, false);
        }

        private static string Value(string[] args, ref int index, string name, string? inlineValue)
        {
            if (inlineValue is not null)
            {
                return inlineValue.Length > 0 ? inlineValue : throw new ArgumentException($"{name} needs a value");
            }

            if (index + 1 >= args.Length || args[index + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"{name} needs a value");
            }

            index++;
            return args[index];
        }
    }
}
