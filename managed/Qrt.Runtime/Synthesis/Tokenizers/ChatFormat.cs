namespace Qrt.Runtime.Synthesis.Tokenizers;

/// <summary>
/// An architecture family's control tokens and chat template, in the style of its released instruct models:
/// Mistral's [INST] turns, Llama 3's header blocks, Qwen2's ChatML; Pixtral and Qwen2-VL add their image tokens
/// and render a message's image parts as their image placeholders.
/// </summary>
/// <param name="SpecialTokens">The control tokens, in id order (they follow the byte-level vocabulary).</param>
/// <param name="BosToken">The beginning-of-sequence token, or null (Qwen2 has none).</param>
/// <param name="EosToken">tokenizer_config.json's eos_token: the token that ends an assistant turn.</param>
/// <param name="ConfigBosToken">The token whose id config.json gives as bos_token_id.</param>
/// <param name="StopTokens">The tokens whose ids config.json and generation_config.json give as eos_token_id.</param>
/// <param name="PadToken">tokenizer_config.json's pad_token, or null.</param>
/// <param name="PreTokenizerPattern">The Split regex that cuts text into words before byte-level BPE.</param>
/// <param name="Template">The Jinja chat template.</param>
internal sealed record ChatFormat(
    IReadOnlyList<string> SpecialTokens,
    string? BosToken,
    string EosToken,
    string ConfigBosToken,
    IReadOnlyList<string> StopTokens,
    string? PadToken,
    string PreTokenizerPattern,
    string Template)
{
    /// <summary>
    /// Whether tokenizer.json normalizes text to NFC before splitting it, as Qwen2's does (transformers' Qwen2Tokenizer
    /// applies NFC whatever the file says, so a Qwen2 file without it would encode differently there).
    /// </summary>
    public bool NormalizesToNfc { get; init; }

    /// <summary>Llama 3's pre-tokenizer regex (digits in runs of up to three).</summary>
    public const string Llama3Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Qwen2's pre-tokenizer regex (single digits).</summary>
    public const string Qwen2Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The format of <paramref name="architecture" />.</summary>
    public static ChatFormat For(SyntheticArchitecture architecture) => architecture switch
    {
        SyntheticArchitecture.Llama => Llama,
        SyntheticArchitecture.Qwen2 => Qwen2,
        SyntheticArchitecture.Pixtral => Pixtral,
        SyntheticArchitecture.Qwen2Vl => Qwen2Vl,
        _ => Mistral,
    };

    // Mistral v3 style: the system prompt joins the first user turn; assistant turns end with </s>.
    private static readonly ChatFormat Mistral = new(
        ["<unk>", "<s>", "</s>", "[INST]", "[/INST]"],
        BosToken: "<s>",
        EosToken: "</s>",
        ConfigBosToken: "<s>",
        StopTokens: ["</s>"],
        PadToken: null,
        Llama3Pattern,
        """
        {%- if messages[0]['role'] == 'system' %}
            {%- set system_message = messages[0]['content'] %}
            {%- set loop_messages = messages[1:] %}
        {%- else %}
            {%- set loop_messages = messages %}
        {%- endif %}
        {{- bos_token }}
        {%- for message in loop_messages %}
            {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
                {{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
            {%- endif %}
            {%- if message['role'] == 'user' %}
                {%- if loop.first and system_message is defined %}
                    {{- '[INST] ' + system_message + '\n\n' + message['content'] + '[/INST]' }}
                {%- else %}
                    {{- '[INST] ' + message['content'] + '[/INST]' }}
                {%- endif %}
            {%- elif message['role'] == 'assistant' %}
                {{- ' ' + message['content'] + eos_token }}
            {%- else %}
                {{- raise_exception('Only user, assistant and system roles are supported') }}
            {%- endif %}
        {%- endfor %}
        """);

    // Llama 3 style: each turn is a header block ended by <|eot_id|>.
    private static readonly ChatFormat Llama = new(
        ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"],
        BosToken: "<|begin_of_text|>",
        EosToken: "<|eot_id|>",
        ConfigBosToken: "<|begin_of_text|>",
        StopTokens: ["<|end_of_text|>", "<|eot_id|>"],
        PadToken: null,
        Llama3Pattern,
        """
        {{- bos_token }}
        {%- for message in messages %}
            {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
        {%- endif %}
        """);

    // ChatML with Qwen2's default system prompt.
    private static readonly ChatFormat Qwen2 = new(
        ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        BosToken: null,
        EosToken: "<|im_end|>",
        ConfigBosToken: "<|endoftext|>",
        StopTokens: ["<|im_end|>", "<|endoftext|>"],
        PadToken: "<|endoftext|>",
        Qwen2Pattern,
        """
        {%- for message in messages %}
            {%- if loop.first and message['role'] != 'system' %}
                {{- '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}
            {%- endif %}
            {{- '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|im_start|>assistant\n' }}
        {%- endif %}
        """)
    {
        NormalizesToNfc = true,
    };

    // Pixtral-12B's turns: no space after [INST], the system prompt joined to the last user turn. A message's content is a string, or a list of parts whose text
    // parts are written as they are and whose image parts become [IMG], which the processor expands to the image's
    // rows of [IMG] ... [IMG_BREAK] ending in [IMG_END].
    private static readonly ChatFormat Pixtral = Mistral with
    {
        SpecialTokens = [.. Mistral.SpecialTokens, VisionTokens.PixtralImage, VisionTokens.PixtralImageBreak, VisionTokens.PixtralImageEnd],
        Template = """
            {%- macro render_content(content) %}
                {%- if content is string %}
                    {{- content }}
                {%- else %}
                    {%- for part in content %}
                        {%- if part['type'] == 'image' %}
                            {{- '[IMG]' }}
                        {%- elif part['type'] == 'text' %}
                            {{- part['text'] }}
                        {%- else %}
                            {{- raise_exception('Only text and image content parts are supported') }}
                        {%- endif %}
                    {%- endfor %}
                {%- endif %}
            {%- endmacro %}
            {%- if messages[0]['role'] == 'system' %}
                {%- set system_message = messages[0]['content'] %}
                {%- set loop_messages = messages[1:] %}
            {%- else %}
                {%- set loop_messages = messages %}
            {%- endif %}
            {{- bos_token }}
            {%- for message in loop_messages %}
                {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
                    {{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
                {%- endif %}
                {%- if message['role'] == 'user' %}
                    {{- '[INST]' }}
                    {%- if loop.last and system_message is defined %}
                        {{- render_content(system_message) + '\n\n' }}
                    {%- endif %}
                    {{- render_content(message['content']) + '[/INST]' }}
                {%- elif message['role'] == 'assistant' %}
                    {{- render_content(message['content']) + eos_token }}
                {%- else %}
                    {{- raise_exception('Only user, assistant and system roles are supported') }}
                {%- endif %}
            {%- endfor %}
            """,
    };

    // ChatML with Qwen2-VL's vision tokens: an image part becomes <|vision_start|><|image_pad|><|vision_end|>
    // (a video part the same with <|video_pad|>); the processor repeats the pad once per merged patch.
    private static readonly ChatFormat Qwen2Vl = Qwen2 with
    {
        SpecialTokens =
        [
            .. Qwen2.SpecialTokens, VisionTokens.Qwen2VlVisionStart, VisionTokens.Qwen2VlVisionEnd, VisionTokens.Qwen2VlVisionPad,
            VisionTokens.Qwen2VlImage, VisionTokens.Qwen2VlVideo,
        ],
        Template = """
            {%- for message in messages %}
                {%- if loop.first and message['role'] != 'system' %}
                    {{- '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}
                {%- endif %}
                {{- '<|im_start|>' + message['role'] + '\n' }}
                {%- if message['content'] is string %}
                    {{- message['content'] }}
                {%- else %}
                    {%- for part in message['content'] %}
                        {%- if part['type'] == 'image' %}
                            {{- '<|vision_start|><|image_pad|><|vision_end|>' }}
                        {%- elif part['type'] == 'video' %}
                            {{- '<|vision_start|><|video_pad|><|vision_end|>' }}
                        {%- elif part['type'] == 'text' %}
                            {{- part['text'] }}
                        {%- endif %}
                    {%- endfor %}
                {%- endif %}
                {{- '<|im_end|>\n' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\n' }}
            {%- endif %}
            """,
    };
}
